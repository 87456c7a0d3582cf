using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using FocusSync.Timekeeping;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FocusSync.Api.Sessions;

/// <summary>The changes of a user's sessions that a client may queue: each has its endpoint, and is a kind of /sync operation.</summary>
public enum SessionOperation
{
    Start,
    Pause,
    Reset,
    ResetAll,
    Create,
    Edit,
    Delete,
}

/// <summary>
/// One session command as a request asks it, from its endpoint or from a /sync operation: what to do, when the person
/// did it (SPEC section 7), on which version of the session, and the idempotency key that makes a retry safe.
/// </summary>
public sealed record SessionCommand(SessionOperation Kind, long? SessionId)
{
    public long? AtMs { get; init; }
    public int? BaseVersion { get; init; }

    /// <summary>The If-Match header as sent, or null without one.</summary>
    public string? IfMatch { get; init; }

    public CreateSessionRequest? Create { get; init; }
    public EditSessionRequest? Edit { get; init; }
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// The request's fields (the body's, <c>at</c> and <c>baseVersion</c>) as canonical JSON: the same for a command
    /// sent to its endpoint and as a /sync operation, so that one idempotency key serves both.
    /// </summary>
    public string Content { get; init; } = "{}";

    /// <summary>What an idempotency key names besides the content: the kind, and the session it acts on.</summary>
    public string Operation =>
        JsonNamingPolicy.CamelCase.ConvertName(Kind.ToString()) + (SessionId is { } id ? $" {id}" : "");

    /// <summary>What the key binds: the content, and the If-Match header when one was sent.</summary>
    public string ContentHash =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(IfMatch is null ? Content : $"{Content}\nIf-Match: {IfMatch}")));
}

/// <summary>
/// What a session command answered: its status, with a session (or reset-all's list, or a problem), and the instant
/// it applied at. An idempotency key stores it, as JSON beside the status, to answer a retry alike.
/// </summary>
public sealed record CommandResult
{
    [JsonIgnore]
    public int Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SessionDto? Session { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SessionList? List { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProblemDetails? Problem { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AppliedAtMs { get; init; }

    /// <summary>What this request's command did, for the metrics: not stored, since a replay of it changes nothing.</summary>
    [JsonIgnore]
    public ActionEffect Effect { get; init; }

    public static CommandResult Refused(ProblemHttpResult problem) => new() { Status = problem.StatusCode, Problem = problem.ProblemDetails };

    /// <summary>A 400 as a plain problem whose <c>errors</c> is an extension, so that it is stored and replayed whole.</summary>
    public static CommandResult Refused(ValidationProblem invalid)
    {
        var details = invalid.ProblemDetails;
        var problem = new ProblemDetails { Type = details.Type, Title = details.Title, Status = details.Status, Detail = details.Detail };
        foreach (var (name, value) in details.Extensions)
        {
            problem.Extensions[name] = value;
        }

        problem.Extensions["errors"] = details.Errors;
        return new() { Status = invalid.StatusCode, Problem = problem };
    }
}

/// <summary>
/// The session commands, shared by their endpoints and /sync: each is one change through the pipeline, applied at the
/// instant the person acted (never before what it depends on, never after now), refused on a stale base version, and
/// done once per idempotency key.
/// </summary>
public sealed record SessionCommands(
    ChangePipeline Changes, IOptions<LimitOptions> Limits, IOptions<IdempotencyOptions> Idempotency, IOptions<JsonOptions> Json,
    FocusSyncMetrics Metrics)
{
    public async Task<CommandResult> ApplyAsync(UserIdentity identity, SessionCommand command, CancellationToken cancellationToken)
    {
        var changed = false;
        var result = await Changes.ApplyAsync(identity, command.AtMs, async context =>
        {
            var decided = await (command.IdempotencyKey is { } key
                ? ApplyOnceAsync(context, command, key, cancellationToken)
                : DecideAsync(context, command, cancellationToken));

            // What fell due is performed whatever the command does; only the command's own change makes it applied.
            changed = context.Outcome.Changes.Any(c => c.Type is not (ChangeType.Complete or ChangeType.AutoReset));
            return decided;
        }, cancellationToken);
        var effect = result.Status switch
        {
            StatusCodes.Status412PreconditionFailed => ActionEffect.Conflict,
            >= StatusCodes.Status400BadRequest => ActionEffect.Refused,
            _ => changed ? ActionEffect.Applied : ActionEffect.NoOp,
        };
        Metrics.Action(JsonNamingPolicy.CamelCase.ConvertName(command.Kind.ToString()), effect);
        return result with { Effect = effect };
    }

    /// <summary>
    /// The first result stored under the key, or, for a key not yet used (or expired), the command's result, stored
    /// with its change. A refusal decided here (404, 409, 412, a 400 of the rules) is a result like any other.
    /// </summary>
    private async Task<CommandResult> ApplyOnceAsync(ChangeContext context, SessionCommand command, string key, CancellationToken cancellationToken)
    {
        var earlier = await context.FindIdempotentAsync(key, cancellationToken);
        if (earlier is not null && !Idempotency.Value.IsExpired(earlier.CreatedAtMs, context.NowMs))
        {
            return earlier.Operation == command.Operation && earlier.BodyHash == command.ContentHash
                ? Stored(earlier)
                : CommandResult.Refused(TypedResults.Problem(
                    detail: "This idempotency key was already used for a different request.",
                    statusCode: StatusCodes.Status422UnprocessableEntity));
        }

        var result = await DecideAsync(context, command, cancellationToken);

        // An expired key's record is reused: the key now stands for this command.
        var record = earlier ?? context.Db.IdempotentRequests.Add(new IdempotentRequest { UserId = context.User.Id, Key = key }).Entity;
        record.Operation = command.Operation;
        record.BodyHash = command.ContentHash;
        record.Status = result.Status;
        record.ResponseJson = JsonSerializer.Serialize(result, Json.Value.SerializerOptions);
        record.CreatedAtMs = context.NowMs;
        return result;
    }

    private CommandResult Stored(IdempotentRequest record) =>
        JsonSerializer.Deserialize<CommandResult>(record.ResponseJson, Json.Value.SerializerOptions)! with { Status = record.Status };

    private Task<CommandResult> DecideAsync(ChangeContext context, SessionCommand command, CancellationToken cancellationToken) =>
        command.Kind switch
        {
            SessionOperation.Start => Task.FromResult(Act(context, command, TimerRules.Start)),
            SessionOperation.Pause => Task.FromResult(Act(context, command, TimerRules.Pause)),
            SessionOperation.Reset => Task.FromResult(Act(context, command, TimerRules.Reset)),
            SessionOperation.ResetAll => Task.FromResult(ResetAll(context)),
            SessionOperation.Create => CreateAsync(context, command, command.Create!, cancellationToken),
            SessionOperation.Edit => EditAsync(context, command, command.Edit!, cancellationToken),
            SessionOperation.Delete => Task.FromResult(Delete(context, command)),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "Not a session command."),
        };

    private static CommandResult Act(ChangeContext context, SessionCommand command, Action<UserTimers, SessionTimer, long, Outcome> rule)
    {
        if (context.Find(command.SessionId!.Value) is not { } session)
        {
            return CommandResult.Refused(Problems.NotFound("session"));
        }

        var atMs = context.ActAt(command.Kind == SessionOperation.Start
            ? TimerRules.StartFloorMs(context.Timers, session)
            : TimerRules.FloorMs(context.Timers, session));
        if (Stale(context, session, command) is { } stale)
        {
            return stale;
        }

        rule(context.Timers, session, atMs, context.Outcome);
        return Done(context, session, StatusCodes.Status200OK, atMs);
    }

    private static CommandResult ResetAll(ChangeContext context)
    {
        var atMs = context.ActAt(TimerRules.ResetAllFloorMs(context.Timers));
        TimerRules.ResetAll(context.Timers, atMs, context.Outcome);
        context.CatchUp();
        return new() { Status = StatusCodes.Status200OK, List = context.ToList() with { AppliedAtMs = atMs }, AppliedAtMs = atMs };
    }

    private async Task<CommandResult> CreateAsync(
        ChangeContext context, SessionCommand command, CreateSessionRequest request, CancellationToken cancellationToken)
    {
        if (request.GroupId is { } groupId && await context.FindGroupAsync(groupId, cancellationToken) is null)
        {
            return CommandResult.Refused(Problems.Invalid("groupId", "No group of yours has that id."));
        }

        var max = Limits.Value.MaxSessionsPerUser;
        if (context.LiveSessions.Count() >= max)
        {
            return CommandResult.Refused(TypedResults.Problem(
                detail: $"You have reached the limit of {max} sessions.",
                statusCode: StatusCodes.Status409Conflict, title: "Session limit reached"));
        }

        var atMs = context.ActAt(TimerRules.FloorMs(context.Timers));
        var row = await context.InsertSessionAsync(
            new Session { UserId = context.User.Id, Title = request.Title, GroupId = request.GroupId, NoGoal = request.NoGoal, CreatedAtMs = atMs },
            cancellationToken);
        TimerRules.Create(context.Timers, row, request.InitialDuration, request.DailyGoalMinutes, atMs, context.Outcome);
        return Done(context, row, StatusCodes.Status201Created, atMs);
    }

    private static async Task<CommandResult> EditAsync(
        ChangeContext context, SessionCommand command, EditSessionRequest request, CancellationToken cancellationToken)
    {
        if (context.Find(command.SessionId!.Value) is not { } session)
        {
            return CommandResult.Refused(Problems.NotFound("session"));
        }

        var atMs = context.ActAt(TimerRules.FloorMs(context.Timers, session));
        if (Stale(context, session, command) is { } stale)
        {
            return stale;
        }

        var (title, group, duration, goal, _, _) = request;
        if (TimerRules.RefuseGoalEdit(session, goal, duration) is { } refusal)
        {
            return CommandResult.Refused(Problems.Invalid(refusal.Field, refusal.Message));
        }

        if (group.Value is { } groupId && await context.FindGroupAsync(groupId, cancellationToken) is null)
        {
            return CommandResult.Refused(Problems.Invalid("groupId", "No group of yours has that id."));
        }

        var edit = new SessionEdit(title, group.Value, Ungroup: group is { IsSet: true, Value: null }, goal, duration);
        TimerRules.Edit(context.Timers, session, edit, atMs, context.Outcome);
        return Done(context, session, StatusCodes.Status200OK, atMs);
    }

    private static CommandResult Delete(ChangeContext context, SessionCommand command)
    {
        if (context.Find(command.SessionId!.Value) is not { } session)
        {
            return CommandResult.Refused(Problems.NotFound("session"));
        }

        var atMs = context.ActAt(TimerRules.FloorMs(context.Timers, session));
        if (Stale(context, session, command) is { } stale)
        {
            return stale;
        }

        TimerRules.Delete(context.Timers, session, atMs, context.Outcome);
        context.CatchUp();
        return new() { Status = StatusCodes.Status204NoContent, AppliedAtMs = atMs };
    }

    /// <summary>The session as of now, once what fell due after the command is performed too.</summary>
    private static CommandResult Done(ChangeContext context, Session session, int status, long atMs)
    {
        context.CatchUp();
        return new() { Status = status, Session = context.ToDto(session) with { AppliedAtMs = atMs }, AppliedAtMs = atMs };
    }

    /// <summary>
    /// A 412 carrying the session as of now when the command was built on another version than the session's at the
    /// instant it applies: a device that slept through another's changes cannot undo them by mistake. '*' alone in
    /// If-Match matches any version; a malformed If-Match matches none.
    /// </summary>
    private static CommandResult? Stale(ChangeContext context, Session session, SessionCommand command)
    {
        var tag = new EntityTagHeaderValue($"\"{session.Version}\"");
        var matches = command.IfMatch is not { } header
            || (EntityTagHeaderValue.TryParseList([header], out var tags)
                && (tags is [var only] && only.Equals(EntityTagHeaderValue.Any) || tags.Any(t => t.Compare(tag, useStrongComparison: true))));
        if (matches && (command.BaseVersion is not { } version || version == session.Version))
        {
            return null;
        }

        context.CatchUp();
        var current = context.ToDto(session);
        return CommandResult.Refused(TypedResults.Problem(
            detail: $"The session has changed since that version; its version is now {current.Version}.",
            statusCode: StatusCodes.Status412PreconditionFailed,
            extensions: new Dictionary<string, object?> { ["session"] = current }));
    }
}
