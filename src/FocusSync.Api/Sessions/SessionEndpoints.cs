using System.Globalization;
using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace FocusSync.Api.Sessions;

public static class SessionEndpoints
{
    private const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/sessions").RequireAuthorization().WithTags("Sessions");
        sessions.MapGet("/", List);
        sessions.MapGet("/{id}", Get);
        sessions.MapPost("/", Create).WithIdempotencyKey();
        sessions.MapPost("/{id}/actions/start", (string id, JsonBody<ActionRequest> body, HttpRequest request, ClaimsPrincipal user,
            [AsParameters] SessionCommands commands, CancellationToken ct) => Act(SessionOperation.Start, id, body, request, user, commands, ct))
            .WithIdempotencyKey().WithIfMatch();
        sessions.MapPost("/{id}/actions/pause", (string id, JsonBody<ActionRequest> body, HttpRequest request, ClaimsPrincipal user,
            [AsParameters] SessionCommands commands, CancellationToken ct) => Act(SessionOperation.Pause, id, body, request, user, commands, ct))
            .WithIdempotencyKey().WithIfMatch();
        sessions.MapPost("/{id}/actions/reset", (string id, JsonBody<ActionRequest> body, HttpRequest request, ClaimsPrincipal user,
            [AsParameters] SessionCommands commands, CancellationToken ct) => Act(SessionOperation.Reset, id, body, request, user, commands, ct))
            .WithIdempotencyKey().WithIfMatch();
        sessions.MapPost("/actions/reset-all", ResetAll).WithIdempotencyKey();
        sessions.MapPatch("/{id}", Edit).WithIdempotencyKey().WithIfMatch();
        sessions.MapDelete("/{id}", Delete).WithIdempotencyKey().WithIfMatch()
            .WithQueryParameter("at", Timing.AtDescription + ".", "int64")
            .WithQueryParameter("baseVersion", Timing.BaseVersionDescription + ".", "int32");
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
        SessionOperation kind, string id, JsonBody<ActionRequest> body, HttpRequest request, ClaimsPrincipal user,
        SessionCommands commands, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        var key = IdempotencyKey(request, body);
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var result = await commands.ApplyAsync(user.Identity(), new SessionCommand(kind, sessionId)
        {
            AtMs = body.Value.At, BaseVersion = body.Value.BaseVersion, IfMatch = IfMatch(request), IdempotencyKey = key, Content = body.Canonical,
        }, ct);
        return result.Problem is { } problem ? TypedResults.Problem(problem) : TypedResults.Ok(result.Session!);
    }

    private static async Task<Results<Ok<SessionList>, ProblemHttpResult, ValidationProblem>> ResetAll(
        JsonBody<ActionRequest> body, HttpRequest request, ClaimsPrincipal user, [AsParameters] SessionCommands commands, CancellationToken ct)
    {
        var key = IdempotencyKey(request, body);
        if (body.IsValid && body.Value.BaseVersion is not null)
        {
            body.Fail("baseVersion", "Reset-all acts on every session: it takes no 'baseVersion'.");
        }

        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var result = await commands.ApplyAsync(user.Identity(), new SessionCommand(SessionOperation.ResetAll, null)
        {
            AtMs = body.Value.At, IdempotencyKey = key, Content = body.Canonical,
        }, ct);
        return result.Problem is { } problem ? TypedResults.Problem(problem) : TypedResults.Ok(result.List!);
    }

    private static async Task<Results<Created<SessionDto>, ValidationProblem, ProblemHttpResult>> Create(
        JsonBody<CreateSessionRequest> body, HttpRequest request, ClaimsPrincipal user, [AsParameters] SessionCommands commands, CancellationToken ct)
    {
        var key = IdempotencyKey(request, body);
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var result = await commands.ApplyAsync(user.Identity(), new SessionCommand(SessionOperation.Create, null)
        {
            AtMs = body.Value.At, Create = body.Value, IdempotencyKey = key, Content = body.Canonical,
        }, ct);
        return result.Problem is { } problem ? TypedResults.Problem(problem) : TypedResults.Created(Location(result.Session!.Id), result.Session);
    }

    private static async Task<Results<Ok<SessionDto>, ValidationProblem, ProblemHttpResult>> Edit(
        string id, JsonBody<EditSessionRequest> body, HttpRequest request, HttpResponse response, ClaimsPrincipal user,
        [AsParameters] SessionCommands commands, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        var key = IdempotencyKey(request, body);
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var result = await commands.ApplyAsync(user.Identity(), new SessionCommand(SessionOperation.Edit, sessionId)
        {
            AtMs = body.Value.At, BaseVersion = body.Value.BaseVersion, IfMatch = IfMatch(request), Edit = body.Value,
            IdempotencyKey = key, Content = body.Canonical,
        }, ct);
        if (result.Problem is { } problem)
        {
            return TypedResults.Problem(problem);
        }

        response.GetTypedHeaders().ETag = ETag(result.Session!.Version);
        return TypedResults.Ok(result.Session);
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Delete(
        string id, HttpRequest request, ClaimsPrincipal user, [AsParameters] SessionCommands commands, CancellationToken ct)
    {
        if (ParseId(id) is not { } sessionId)
        {
            return InvalidId();
        }

        var query = JsonBody<ActionRequest>.Read(JsonFields.FromQuery(request.Query));
        var key = IdempotencyKey(request, query);
        if (!query.IsValid)
        {
            return Problems.Invalid(query.Errors);
        }

        var result = await commands.ApplyAsync(user.Identity(), new SessionCommand(SessionOperation.Delete, sessionId)
        {
            AtMs = query.Value.At, BaseVersion = query.Value.BaseVersion, IfMatch = IfMatch(request), IdempotencyKey = key,
            Content = query.Canonical,
        }, ct);
        return result.Problem is { } problem ? TypedResults.Problem(problem) : TypedResults.NoContent();
    }

    /// <summary>The Idempotency-Key header, or null without one; a malformed one is an error of the request.</summary>
    private static string? IdempotencyKey<T>(HttpRequest request, JsonBody<T> body)
        where T : class
    {
        if (!request.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return null;
        }

        var key = values.ToString();
        if (StoredText.IsValidIdempotencyKey(key))
        {
            return key;
        }

        body.Fail(IdempotencyHeader, $"The Idempotency-Key header must be {StoredText.IdempotencyKeyDescription}.");
        return null;
    }

    private static string? IfMatch(HttpRequest request) =>
        StringValues.IsNullOrEmpty(request.Headers.IfMatch) ? null : request.Headers.IfMatch.ToString();

    private static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder builder) =>
        builder.WithHeaderParameter(IdempotencyHeader,
            $"{StoredText.IdempotencyKeyDescription}: a retry with the same key and request returns the first result "
            + "while the key is kept (Idempotency:Retention) and changes nothing; the same key with another request is a 422. "
            + "The keys are those of /sync's operations.");

    private static RouteHandlerBuilder WithIfMatch(this RouteHandlerBuilder builder) =>
        builder.WithHeaderParameter("If-Match",
            "The session's ETag (its quoted version) or *: another version is a 412 that carries the current session.");

    internal static long? ParseId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    internal static ValidationProblem InvalidId() => Problems.Invalid("id", "The id must be a positive whole number.");

    private static string Location(long id) => $"/sessions/{id}";

    private static EntityTagHeaderValue ETag(int version) => new($"\"{version}\"");
}
