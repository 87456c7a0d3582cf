using FocusSync.Api.Data;

namespace FocusSync.Api.Groups;

public sealed record GroupDto(long Id, string Name, string Description)
{
    public static GroupDto From(Group group) => new(group.Id, group.Name, group.Description);
}
