using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace FocusSync.Api.Feed;

/// <summary>
/// A page of the change feed: the stored events after <c>since</c>, oldest first, and the user's seq they lead up to;
/// <see cref="HasMore"/> when the limit or the size budget ended it before that seq.
/// </summary>
public sealed record ChangePage(IReadOnlyList<StoredEvent> Events, long Seq, long ServerTimeMs, bool HasMore);

/// <summary>An event's JSON as stored, written into a response as it is, so it stays byte for byte what the hub sent.</summary>
[JsonConverter(typeof(StoredEventConverter))]
public sealed record StoredEvent(string Json);

public sealed class StoredEventConverter : JsonConverter<StoredEvent>
{
    public override StoredEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new StoredEvent(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, StoredEvent value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Json, skipInputValidation: true);
}

public static class ChangeFeedEndpoints
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 1_000;

    /// <summary>
    /// JSON characters after which a page ends early: a reset-all of hundreds of sessions is a large event, and a
    /// thousand of them must not be read into memory for one response.
    /// </summary>
    public const int PageBudgetChars = 1 << 20;

    public static WebApplicationBuilder AddChangeFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<ChangeFeedOptions>(ChangeFeedOptions.Section);
        builder.Services.AddHostedService<ChangeFeedPruner>();
        return builder;
    }

    public static IEndpointRouteBuilder MapChangeFeed(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/changes").RequireAuthorization().WithTags("Changes")
            .MapGet("/", Read)
            .WithDescription("The events after 'since', oldest first, each exactly as the hub sent it. A 410 means the feed no longer "
                + "reaches back to 'since' (older than Changes:Retention) or 'since' is ahead of your seq: fetch GET /sessions instead.")
            .WithQueryParameter("since", "The seq of the last change you have applied (0 for none); required.")
            .WithQueryParameter("limit", $"Most events in the page, 1 to {MaxLimit}; {DefaultLimit} when absent.");
        return app;
    }

    private static async Task<Results<Ok<ChangePage>, ValidationProblem, ProblemHttpResult>> Read(
        HttpRequest request, ClaimsPrincipal user, ChangePipeline changes, FocusSyncMetrics metrics, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var since = Parse("since", request.Query["since"], 0, long.MaxValue, null, errors,
            "a whole number, 0 or more: the seq of the last change you have applied");
        var limit = Parse("limit", request.Query["limit"], 1, MaxLimit, DefaultLimit, errors,
            $"a whole number from 1 to {MaxLimit}");
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        // A read commits what fell due first, so the events of that catch-up are stored before the page is read.
        var page = await changes.ReadAsync(user.Identity(), view => ReadPageAsync(view, since!.Value, (int)limit!.Value, ct), ct);
        metrics.ChangesRead(served: page.Result is Ok<ChangePage>);
        return page;
    }

    /// <summary>
    /// The events after <paramref name="since"/> up to the seq this context loaded. Every event up to that seq is
    /// committed with it, so the page is consistent with the seq it reports, whatever commits meanwhile; a missing
    /// event can only have been pruned, or predate the feed.
    /// </summary>
    private static async Task<Results<Ok<ChangePage>, ValidationProblem, ProblemHttpResult>> ReadPageAsync(
        UserView ctx, long since, int limit, CancellationToken ct)
    {
        var seq = ctx.Seq;
        if (since > seq)
        {
            return Gone($"'since' ({since}) is ahead of your latest change ({seq}).", seq);
        }

        var expected = (int)Math.Min(limit, seq - since);
        var rows = ctx.Db.StoredChanges.AsNoTracking()
            .Where(c => c.UserId == ctx.User.Id && c.Seq > since && c.Seq <= seq)
            .OrderBy(c => c.Seq)
            .Take(expected)
            .Select(c => new { c.Seq, c.Json })
            .AsAsyncEnumerable();
        var events = new List<StoredEvent>();
        var chars = 0L;
        await foreach (var row in rows.WithCancellation(ct))
        {
            if (row.Seq != since + 1 + events.Count)
            {
                break;
            }

            events.Add(new StoredEvent(row.Json));
            chars += row.Json.Length;
            if (chars >= PageBudgetChars)
            {
                break;
            }
        }

        if (events.Count < expected && chars < PageBudgetChars)
        {
            return Gone($"The changes after seq {since} are no longer all kept.", seq);
        }

        return TypedResults.Ok(new ChangePage(events, seq, ctx.NowMs, since + events.Count < seq));
    }

    private static ProblemHttpResult Gone(string reason, long seq) =>
        TypedResults.Problem(
            detail: reason + " Fetch GET /sessions (with /groups and /me) for the current state, then continue from its seq.",
            statusCode: StatusCodes.Status410Gone,
            extensions: new Dictionary<string, object?> { ["seq"] = seq });

    private static long? Parse(
        string name, StringValues values, long min, long max, long? absent, Dictionary<string, string[]> errors, string rule)
    {
        if (values.Count > 1)
        {
            errors[name] = [$"'{name}' may be given once."];
            return null;
        }

        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            if (absent is null)
            {
                errors[name] = [$"'{name}' is required: {rule}."];
            }

            return absent;
        }

        if (long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        errors[name] = [$"'{name}' must be {rule}."];
        return null;
    }
}
