using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Groups;
using FocusSync.Api.Sessions;
using FocusSync.Api.Timekeeping;
using FocusSync.Api.Users;

namespace FocusSync.Api.Realtime;

/// <summary>The one argument of the client method <c>event</c> (SPEC section 5).</summary>
public sealed record ChangeEvent([property: JsonConverter(typeof(CamelCaseChangeTypeConverter))] ChangeType Type, long Seq, long ServerTimeMs)
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
            return change.Type switch
            {
                ChangeType.ResetAll or ChangeType.AutoReset =>
                    new ChangeEvent(change.Type, seq, nowMs) { Sessions = sessions },
                ChangeType.DeleteSession =>
                    new ChangeEvent(change.Type, seq, nowMs) { SessionId = change.Sessions[0].Id },
                ChangeType.AutoResetTimeChange =>
                    new ChangeEvent(change.Type, seq, nowMs) { User = UserDto.From(committed) },
                ChangeType.AddGroup or ChangeType.EditGroup =>
                    new ChangeEvent(change.Type, seq, nowMs) { Group = GroupDto.From(committed.GroupRow(change.GroupId!.Value)) },
                ChangeType.DeleteGroup =>
                    new ChangeEvent(change.Type, seq, nowMs) { GroupId = change.GroupId, Sessions = sessions },
                _ => new ChangeEvent(change.Type, seq, nowMs) { Session = sessions[0] },
            };
        })];
    }
}

/// <summary>Writes each change type under its SPEC name: <c>AutoResetTimeChange</c> travels as <c>autoResetTimeChange</c>.</summary>
internal sealed class CamelCaseChangeTypeConverter() : JsonStringEnumConverter<ChangeType>(JsonNamingPolicy.CamelCase);
