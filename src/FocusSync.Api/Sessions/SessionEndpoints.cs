using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Timekeeping;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FocusSync.Api.Sessions;

public static class SessionEndpoints
{
    private const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/sessions").RequireAuthorization().WithTags("Sessions");
        sessions.MapGet("/", List);
        sessions.MapGet("/{id}", Get);
        sessions.MapPost("/", Create)
            .WithHeaderParameter(IdempotencyHeader,
                $"{StoredText.IdempotencyKeyDescription}: a retry with the same key and body returns the first response "
                + "while the key is kept (Idempotency:Retention); after that the key is new again.");
        sessions.MapPost("/{id}/actions/start", (string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
            Act(id, user, changes, TimerRules.Start, ct));
        sessions.MapPost("/{id}/actions/pause", (string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
            Act(id, user, changes, TimerRules.Pause, ct));
        sessions.MapPost("/{id}/actions/reset", (string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
            Act(id, user, changes, TimerRules.Reset, ct));
        sessions.MapPost("/actions/reset-all", ResetAll);
        sessions.MapPatch("/{id}", Edit)
            .WithHeaderParameter("If-Match", "The session's ETag (its quoted version) or *: a stale version is a 412.");
        sessions.MapDelete("/{id}", Delete);
        return app;
    }

    private static Task<Ok<SessionList>> List(ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
        changes.ReadAsync(user.Identity(), ctx => TypedResults.Ok(ctx.ToList()), ct);

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult, ValidationProblem>> Get(
        string id, ClaimsPrincipal user, ChangePipeline changes, HttpResponse response, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        return await changes.ReadAsync<Results<Ok<SessionDto>, ProblemHttpResult, ValidationProblem>>(user.Identity(), ctx =>
        {
            if (ctx.Find(sessionId) is not { } session)
            {
                return Problems.NotFound("session");
            }

            response.GetTypedHeaders().ETag = ETag(session.Version);
            return TypedResults.Ok(ctx.ToDto(session));
        }, ct);
    }

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult, ValidationProblem>> Act(
        string id, ClaimsPrincipal user, ChangePipeline changes,
        Action<UserTimers, SessionTimer, long, Outcome> rule, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        return await changes.ApplyAsync<Results<Ok<SessionDto>, ProblemHttpResult, ValidationProblem>>(user.Identity(), ctx =>
        {
            if (ctx.Find(sessionId) is not { } session)
            {
                return Problems.NotFound("session");
            }

            rule(ctx.Timers, session, ctx.NowMs, ctx.Outcome);
            return TypedResults.Ok(ctx.ToDto(session));
        }, ct);
    }

    private static Task<Ok<SessionList>> ResetAll(ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
        changes.ApplyAsync(user.Identity(), ctx =>
        {
            TimerRules.ResetAll(ctx.Timers, ctx.NowMs, ctx.Outcome);
            return TypedResults.Ok(ctx.ToList());
        }, ct);

    private static async Task<Results<Created<SessionDto>, ValidationProblem, ProblemHttpResult>> Create(
        JsonBody<CreateSessionRequest> body, HttpRequest request, ClaimsPrincipal user, ChangePipeline changes, IOptions<JsonOptions> json,
        IOptions<LimitOptions> limits, IOptions<IdempotencyOptions> idempotency, CancellationToken ct)
    {
        var key = request.Headers[IdempotencyHeader].ToString();
        if (request.Headers.ContainsKey(IdempotencyHeader) && !StoredText.IsValidIdempotencyKey(key))
        {
            body.Fail(IdempotencyHeader, $"The Idempotency-Key header must be {StoredText.IdempotencyKeyDescription}.");
        }

        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var (title, groupId, noGoal, duration, goal) = body.Value;
        var bodyHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.Canonical)));
        return await changes.ApplyAsync<Results<Created<SessionDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            var earlier = key.Length > 0 ? await ctx.Db.IdempotentRequests.FindAsync([ctx.User.Id, key], ct) : null;
            if (earlier is not null && !idempotency.Value.IsExpired(earlier.CreatedAtMs, ctx.NowMs))
            {
                return earlier.BodyHash == bodyHash
                    ? TypedResults.Created(Location(earlier.SessionId), JsonSerializer.Deserialize<SessionDto>(earlier.ResponseJson, json.Value.SerializerOptions)!)
                    : TypedResults.Problem(
                        detail: "This Idempotency-Key was already used with a different body.",
                        statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            if (groupId is { } gid && await ctx.FindGroupAsync(gid, ct) is null)
            {
                return Problems.Invalid("groupId", "No group of yours has that id.");
            }

            if (ctx.LiveSessions.Count() >= limits.Value.MaxSessionsPerUser)
            {
                return TypedResults.Problem(
                    detail: $"You have reached the limit of {limits.Value.MaxSessionsPerUser} sessions.",
                    statusCode: StatusCodes.Status409Conflict, title: "Session limit reached");
            }

            var row = await ctx.InsertSessionAsync(
                new Session { UserId = ctx.User.Id, Title = title!, GroupId = groupId, NoGoal = noGoal, CreatedAtMs = ctx.NowMs },
                ct);
            TimerRules.Create(ctx.Timers, row, duration, goal, ctx.NowMs, ctx.Outcome);
            var dto = ctx.ToDto(row);
            if (key.Length > 0)
            {
                // An expired key's record is reused: the key now stands for this creation.
                var record = earlier ?? ctx.Db.IdempotentRequests.Add(new IdempotentRequest { UserId = ctx.User.Id, Key = key }).Entity;
                record.BodyHash = bodyHash;
                record.SessionId = row.Id;
                record.ResponseJson = JsonSerializer.Serialize(dto, json.Value.SerializerOptions);
                record.CreatedAtMs = ctx.NowMs;
            }

            return TypedResults.Created(Location(row.Id), dto);
        }, ct);
    }

    private static async Task<Results<Ok<SessionDto>, ValidationProblem, ProblemHttpResult>> Edit(
        string id, JsonBody<EditSessionRequest> body, HttpRequest request, HttpResponse response, ClaimsPrincipal user,
        ChangePipeline changes, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var (title, group, duration, goal) = body.Value;
        var ungroup = group is { IsSet: true, Value: null };
        var groupId = group.Value;

        var preconditioned = !StringValues.IsNullOrEmpty(request.Headers.IfMatch);
        var ifMatch = request.GetTypedHeaders().IfMatch;
        return await changes.ApplyAsync<Results<Ok<SessionDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (ctx.Find(sessionId) is not { } session)
            {
                return Problems.NotFound("session");
            }

            // '*' alone matches any version; a malformed If-Match matches none, and is refused like a stale one.
            var matches = ifMatch is [var only] && only.Equals(EntityTagHeaderValue.Any)
                || ifMatch.Any(tag => tag.Compare(ETag(session.Version), useStrongComparison: true));
            if (preconditioned && !matches)
            {
                return TypedResults.Problem(
                    detail: $"The session has changed since that version; its version is now {session.Version}.",
                    statusCode: StatusCodes.Status412PreconditionFailed);
            }

            if (TimerRules.RefuseGoalEdit(session, goal, duration) is { } refusal)
            {
                return Problems.Invalid(refusal.Field, refusal.Message);
            }

            if (groupId is { } gid && await ctx.FindGroupAsync(gid, ct) is null)
            {
                return Problems.Invalid("groupId", "No group of yours has that id.");
            }

            TimerRules.Edit(ctx.Timers, session, new SessionEdit(title, groupId, ungroup, goal, duration), ctx.NowMs, ctx.Outcome);
            response.GetTypedHeaders().ETag = ETag(session.Version);
            return TypedResults.Ok(ctx.ToDto(session));
        }, ct);
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Delete(
        string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        return await changes.ApplyAsync<Results<NoContent, ProblemHttpResult, ValidationProblem>>(user.Identity(), ctx =>
        {
            if (ctx.Find(sessionId) is not { } session)
            {
                return Problems.NotFound("session");
            }

            TimerRules.Delete(ctx.Timers, session, ctx.NowMs, ctx.Outcome);
            return TypedResults.NoContent();
        }, ct);
    }

    internal static long? ParseId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    internal static ValidationProblem InvalidId() => Problems.Invalid("id", "The id must be a positive whole number.");

    private static string Location(long id) => $"/sessions/{id}";

    private static EntityTagHeaderValue ETag(int version) => new($"\"{version}\"");
}
