using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Groups;
using FocusSync.Api.Sessions;
using FocusSync.Timekeeping;
using FocusSync.Api.Users;

namespace FocusSync.Api.Realtime;

/// <summary>The one argument of the client method <c>event</c> (SPEC section 5).</summary>
public sealed record ChangeEvent([property: JsonConverter(typeof(CamelCaseChangeTypeConverter))] ChangeType Type, long Seq, long ServerTimeMs)
{
    /// <summary>
    /// The instant the change applied at: a countdown's target for <c>complete</c>, the boundary for <c>autoReset</c>,
    /// the instant a timed action applied at (SPEC section 7), otherwise when the server made it.
    /// </summary>
    public long AppliedAtMs { get; init; }

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

    /// <summary>
    /// The events of the changes an attempt committed. Each session shows its timer as the change left it, and its
    /// title and group as the attempt left them.
    /// </summary>
    public static IReadOnlyList<ChangeEvent> From(ChangeContext committed)
    {
        var rows = committed.SessionRows.ToDictionary(s => s.Id);
        var nowMs = committed.NowMs;
        return [.. committed.NumberedChanges.Select(numbered =>
        {
            var (change, seq) = numbered;
            var sessions = change.Sessions.Select(s => SessionDto.From(rows[s.Id], s, nowMs)).ToList();
            var applied = new ChangeEvent(change.Type, seq, nowMs) { AppliedAtMs = change.AtMs };
            return change.Type switch
            {
                ChangeType.ResetAll or ChangeType.AutoReset => applied with { Sessions = sessions },
                ChangeType.DeleteSession => applied with { SessionId = change.Sessions[0].Id },
                ChangeType.AutoResetTimeChange => applied with { User = UserDto.From(committed) },
                ChangeType.AddGroup or ChangeType.EditGroup =>
                    applied with { Group = GroupDto.From(committed.GroupRow(change.GroupId!.Value)) },
                ChangeType.DeleteGroup => applied with { GroupId = change.GroupId, Sessions = sessions },
                _ => applied with { Session = sessions[0] },
            };
        })];
    }
}

/// <summary>Writes each change type under its SPEC name: <c>AutoResetTimeChange</c> travels as <c>autoResetTimeChange</c>.</summary>
internal sealed class CamelCaseChangeTypeConverter() : JsonStringEnumConverter<ChangeType>(JsonNamingPolicy.CamelCase);
