using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FocusSync.Api.Sessions;

/// <summary>A client's queue of session commands, replayed in one request (SPEC section 7, batches).</summary>
public sealed record SyncRequest([Required, Length(0, SyncRequest.MaxOperations)] IReadOnlyList<SyncOperation> Operations)
{
    public const int MaxOperations = 100;
}

/// <summary>
/// One queued command: its kind, the session it acts on, the body of a create or an edit, when the person acted, the
/// version it was made on, and the idempotency key that makes a replay change nothing.
/// </summary>
public sealed record SyncOperation(
    [Required, Length(0, StoredText.IdempotencyKeyMaxLength), IdempotencyKey] string IdempotencyKey,
    [Required, Length(1, 64), AllowedValues("start", "pause", "reset", "resetAll", "create", "edit", "delete")] string Kind,
    [Range(typeof(long), "1", "9223372036854775807"), Description("the session's id; required by start, pause, reset, edit and delete")]
    long? SessionId,
    [Description("the fields of POST /sessions for create, of PATCH /sessions/{id} for edit; no other kind takes one")] JsonObject? Body,
    [DisallowNull, Range(0, Timing.MaxAtMs), Description(Timing.AtDescription)] long? At,
    [DisallowNull, Range(1, int.MaxValue), Description(Timing.BaseVersionDescription + "; not for create and resetAll")] int? BaseVersion)
    : IValidatableObject
{
    /// <summary>The kind as a command, or null when it is not one (its own error says so).</summary>
    public SessionOperation? Operation => Enum.GetValues<SessionOperation>()
        .Cast<SessionOperation?>().FirstOrDefault(o => JsonNamingPolicy.CamelCase.ConvertName(o!.Value.ToString()) == Kind);

    /// <summary>The rules across fields: what each kind takes, and its body read by its endpoint's schema.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Operation is not { } kind)
        {
            yield break;
        }

        var onSession = kind is not (SessionOperation.Create or SessionOperation.ResetAll);
        if (onSession && SessionId is null)
        {
            yield return new ValidationResult($"'sessionId' is required by '{Kind}'.", [nameof(SessionId)]);
        }
        else if (!onSession && SessionId is not null)
        {
            yield return new ValidationResult($"'{Kind}' takes no 'sessionId'.", [nameof(SessionId)]);
        }

        if (!onSession && BaseVersion is not null)
        {
            yield return new ValidationResult($"'{Kind}' acts on no single version: it takes no 'baseVersion'.", [nameof(BaseVersion)]);
        }

        var schema = BodyType(kind) is { } type ? BodySchema.Of(type) : null;
        if (schema is null && Body is not null)
        {
            yield return new ValidationResult($"'{Kind}' takes no 'body'.", [nameof(Body)]);
        }
        else if (schema is not null && Body is null)
        {
            yield return new ValidationResult($"'body' is required by '{Kind}'.", [nameof(Body)]);
        }
        else if (schema is not null && Body is not null)
        {
            foreach (var timing in new[] { "at", "baseVersion" }.Where(Body.ContainsKey))
            {
                yield return new ValidationResult($"'{timing}' is a field of the operation, not of its body.", [$"body.{timing}"]);
            }

            var fields = JsonFields.Of(Body);
            schema.Read(fields);
            foreach (var (field, messages) in fields.Errors.Where(e => e.Key is not ("at" or "baseVersion")))
            {
                foreach (var message in messages)
                {
                    yield return new ValidationResult(message, [$"body.{field}"]);
                }
            }
        }
    }

    /// <summary>The command, as its endpoint would build it: the same content, so that the keys of both are one.</summary>
    public SessionCommand ToCommand()
    {
        var kind = Operation!.Value;
        var content = Body?.DeepClone().AsObject() ?? new JsonObject();
        if (At is { } at)
        {
            content["at"] = at;
        }

        if (BaseVersion is { } version)
        {
            content["baseVersion"] = version;
        }

        return new SessionCommand(kind, SessionId)
        {
            AtMs = At,
            BaseVersion = BaseVersion,
            Create = kind == SessionOperation.Create ? JsonBody<CreateSessionRequest>.Read(JsonFields.Of(Body!)).Value : null,
            Edit = kind == SessionOperation.Edit ? JsonBody<EditSessionRequest>.Read(JsonFields.Of(Body!)).Value : null,
            IdempotencyKey = IdempotencyKey,
            Content = JsonFields.Of(content).Canonical,
        };
    }

    private static Type? BodyType(SessionOperation kind) => kind switch
    {
        SessionOperation.Create => typeof(CreateSessionRequest),
        SessionOperation.Edit => typeof(EditSessionRequest),
        _ => null,
    };
}

/// <summary>One operation's answer: what its endpoint would have answered, as status and body.</summary>
public sealed record SyncResult(int Status)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SessionDto? Session { get; init; }

    /// <summary>Reset-all's sessions.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SessionDto>? Sessions { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProblemDetails? Problem { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AppliedAtMs { get; init; }

    public static SyncResult From(CommandResult result) => new(result.Status)
    {
        Session = result.Session,
        Sessions = result.List?.Sessions,
        Problem = result.Problem,
        AppliedAtMs = result.AppliedAtMs,
    };
}

/// <summary>The results in the operations' order, and the user's seq and the server's clock once all are applied.</summary>
public sealed record SyncResponse(IReadOnlyList<SyncResult> Results, long Seq, long ServerTimeMs);

public static class SyncEndpoints
{
    public static IEndpointRouteBuilder MapSync(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sync", Sync).RequireAuthorization().WithTags("Sync");
        return app;
    }

    /// <summary>
    /// Applies the operations in order, each its own change through the same code as its endpoint; a refused one does
    /// not stop the rest. The batch takes a rate-limit permit per operation before it starts, all or none.
    /// </summary>
    private static async Task<Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult>> Sync(
        JsonBody<SyncRequest> body, HttpContext http, ClaimsPrincipal user, [AsParameters] SessionCommands commands, CancellationToken ct)
    {
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var operations = body.Value.Operations;
        if (RateLimits.TakeMore(http, operations.Count - 1) is { } limited)
        {
            return limited;
        }

        var identity = user.Identity();
        var results = new List<SyncResult>(operations.Count);
        foreach (var operation in operations)
        {
            var result = await commands.ApplyAsync(identity, operation.ToCommand(), ct);
            commands.Metrics.SyncOperation(result.Effect);
            results.Add(SyncResult.From(result));
        }

        var (seq, serverTimeMs) = await commands.Changes.ReadAsync(identity, view => (view.Seq, view.NowMs), ct);
        return TypedResults.Ok(new SyncResponse(results, seq, serverTimeMs));
    }
}
