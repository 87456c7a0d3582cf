using System.Globalization;
using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Http;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using NodaTime;
using NodaTime.Text;

namespace FocusSync.Api.Analytics;

public static class AnalyticsEndpoints
{
    private const int MaxReadAttempts = 20;

    private static readonly LocalDatePattern DatePattern = LocalDatePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd");

    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/analytics").RequireAuthorization().WithTags("Analytics")
            .MapGet("/", Get)
            .WithQueryParameter("period", "The bucket size; daily when absent.", null, "daily", "weekly", "monthly")
            .WithQueryParameter("from", "First user-day of the range, YYYY-MM-DD (inclusive); widened to whole buckets.", "date")
            .WithQueryParameter("to", "Last user-day of the range, YYYY-MM-DD (inclusive); defaults to today.", "date")
            .WithQueryParameter("groupId", "Only the sessions of this group.")
            .Produces<AnalyticsReport>(contentType: "application/json")
            .Produces<string>(contentType: "text/csv");
        return app;
    }

    private static async Task<Results<Ok<AnalyticsReport>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> Get(
        HttpRequest request, HttpResponse response, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var period = ParsePeriod(request.Query["period"], errors);
        var from = ParseDate("from", request.Query["from"], errors);
        var to = ParseDate("to", request.Query["to"], errors);
        var groupId = ParseGroupId(request.Query["groupId"], errors);
        if (from > to)
        {
            errors["from"] = ["'from' must not be after 'to'."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var csv = request.AcceptsCsv();
        response.Headers.Vary = HeaderNames.Accept;
        for (var attempt = 1; attempt <= MaxReadAttempts; attempt++)
        {
            var result = await changes.ReadAsync<Results<Ok<AnalyticsReport>, ContentHttpResult, ValidationProblem, ProblemHttpResult>?>(
                user.Identity(), async ctx =>
                {
                    if (groupId is { } gid && await ctx.FindGroupAsync(gid, ct) is null)
                    {
                        return Problems.NotFound("group");
                    }

                    var today = ctx.Clock.Day;
                    var range = ReportRange.Create(period!.Value, from, to, today, ctx.Clock.Settings.WeekStart);
                    if (to is null && from > range.To)
                    {
                        return Problems.Invalid("from", "'from' must not be after the bucket holding today, the default 'to'.");
                    }

                    if (range.Count > ReportRange.MaxBuckets)
                    {
                        var field = to is null ? "from" : "to";
                        return Problems.Invalid(field, $"The range holds {range.Count} buckets; at most {ReportRange.MaxBuckets} are allowed.");
                    }

                    var running = ctx.LiveSessions
                        .Where(s => s.RunStartedAtMs is not null)
                        .Select(s => new RunningSession(s.Id, s.GroupId, s.DailyGoalMinutes, s.InRun(ctx.NowMs) - s.RunStartedAtMs!.Value))
                        .ToList();
                    var report = await AnalyticsQuery.BuildAsync(
                        ctx.Db, new AnalyticsInput(ctx.User.Id, ctx.Clock.Settings.Zone.Id, today, range, groupId, running), ct);

                    // A pause committed between loading the sessions and reading the credits would count its run
                    // twice (running, and credited): read again from the new state.
                    if (!await ctx.IsUnchangedAsync(ct))
                    {
                        return null;
                    }

                    return csv ? TypedResults.Text(AnalyticsCsv.Write(report), AnalyticsCsv.ContentType) : TypedResults.Ok(report);
                }, ct);
            if (result is not null)
            {
                return result;
            }
        }

        return TypedResults.Problem(
            detail: "Your timers kept changing while the report was read; try again.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Report not consistent");
    }

    private static ReportPeriod? ParsePeriod(StringValues values, Dictionary<string, string[]> errors)
    {
        var text = Single("period", values, errors) ?? (values.Count == 0 ? "daily" : null);
        ReportPeriod? period = text switch
        {
            "daily" => ReportPeriod.Daily,
            "weekly" => ReportPeriod.Weekly,
            "monthly" => ReportPeriod.Monthly,
            _ => null,
        };
        if (period is null && !errors.ContainsKey("period"))
        {
            errors["period"] = ["'period' must be daily, weekly or monthly."];
        }

        return period;
    }

    private static LocalDate? ParseDate(string name, StringValues values, Dictionary<string, string[]> errors)
    {
        if (Single(name, values, errors) is not { } text)
        {
            return null;
        }

        var parsed = DatePattern.Parse(text);
        if (!parsed.Success)
        {
            errors[name] = [$"'{name}' must be a date as YYYY-MM-DD."];
            return null;
        }

        // Whole buckets around the date must stay representable (a year is 12 monthly buckets).
        if (parsed.Value.Year is < 1900 or > 9000)
        {
            errors[name] = [$"'{name}' must be a date between 1900-01-01 and 9000-12-31."];
            return null;
        }

        return parsed.Value;
    }

    private static long? ParseGroupId(StringValues values, Dictionary<string, string[]> errors)
    {
        if (Single("groupId", values, errors) is not { } text)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
        {
            return id;
        }

        errors["groupId"] = ["'groupId' must be a positive whole number."];
        return null;
    }

    private static string? Single(string name, StringValues values, Dictionary<string, string[]> errors)
    {
        if (values.Count > 1)
        {
            errors[name] = [$"'{name}' may be given once."];
            return null;
        }

        return values.Count == 1 ? values[0] : null;
    }
}
