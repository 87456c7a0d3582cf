using System.Text.Json.Serialization;
using FocusSync.Api.Groups;
using FocusSync.Api.Sessions;
using FocusSync.Api.Timekeeping;
using FocusSync.Api.Users;

namespace FocusSync.Api.Realtime;

/// <summary>The one argument of the client method <c>event</c> (SPEC section 5).</summary>
public sealed record ChangeEvent(string Type, long Seq, long ServerTimeMs)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SessionDto? Session { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SessionDto>? Sessions { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SessionId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GroupDto? Group { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? GroupId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UserDto? User { get; init; }

    public static string TypeName(ChangeType type) => type switch
    {
        ChangeType.AddSession => "addSession",
        ChangeType.Start => "start",
        ChangeType.Pause => "pause",
        ChangeType.ResetSession => "resetSession",
        ChangeType.ResetAll => "resetAll",
        ChangeType.EditSession => "editSession",
        ChangeType.DeleteSession => "deleteSession",
        ChangeType.Complete => "complete",
        ChangeType.AutoReset => "autoReset",
        ChangeType.AutoResetTimeChange => "autoResetTimeChange",
        ChangeType.AddGroup => "addGroup",
        ChangeType.EditGroup => "editGroup",
        ChangeType.DeleteGroup => "deleteGroup",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

/// <summary>Sends committed changes to every connection of their user.</summary>
public interface IChangePublisher
{
    Task PublishAsync(string userId, IReadOnlyList<ChangeEvent> events);
}
