using System.Text.Json;
using FocusSync.Api.Realtime;
using FocusSync.Timekeeping;

namespace FocusSync.Tests.Realtime;

public sealed class ChangeEventTests
{
    [Fact]
    public void EveryChangeTypeTravelsUnderItsSpecName()
    {
        string[] spec =
        [
            "addSession", "start", "pause", "resetSession", "resetAll", "editSession", "deleteSession", "complete",
            "autoReset", "autoResetTimeChange", "addGroup", "editGroup", "deleteGroup",
        ];

        var written = Enum.GetValues<ChangeType>()
            .Select(type => JsonSerializer.SerializeToElement(new ChangeEvent(type, 1, 0), JsonSerializerOptions.Web).GetProperty("type").GetString());

        Assert.Equal(spec, written);
    }
}
