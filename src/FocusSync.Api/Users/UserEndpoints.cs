using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Http;
using FocusSync.Api.Timekeeping;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace FocusSync.Api.Users;

public sealed record UserSettingsRequest(string? TimeZone, string? ResetTime, string? WeekStart, bool? SingleRunning);

public static class UserEndpoints
{
    private static readonly string[] WeekDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Users");
        me.MapPost("/login", Login);
        me.MapGet("/", (ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
            changes.ReadAsync(user.Identity(), view => TypedResults.Ok(UserDto.From(view)), ct));
        me.MapPatch("/", Patch).Accepts<UserSettingsRequest>("application/json");
        return app;
    }

    private static Task<Ok<UserDto>> Login(ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        var identity = user.Identity();
        return changes.ApplyAsync(identity, ctx =>
        {
            ctx.User.Name = identity.Name;
            ctx.User.Email = identity.Email;
            return TypedResults.Ok(UserDto.From(ctx));
        }, ct);
    }

    private static async Task<Results<Ok<UserDto>, ValidationProblem>> Patch(
        HttpRequest request, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        var (fields, bodyErrors) = await JsonFields.ReadAsync(request, ct);
        if (fields is null)
        {
            return Problems.Invalid(bodyErrors!);
        }

        fields.OnlyAllow("timeZone", "resetTime", "weekStart", "singleRunning");
        foreach (var name in new[] { "timeZone", "resetTime", "weekStart", "singleRunning" }.Where(fields.IsNull))
        {
            fields.Fail(name, $"'{name}' cannot be null.");
        }

        var zoneId = fields.String("timeZone", 1, 64, required: false);
        var zone = zoneId is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId);
        if (zoneId is not null && zone is null)
        {
            fields.Fail("timeZone", $"'{zoneId}' is not a known IANA time-zone id.");
        }

        var resetText = fields.String("resetTime", 5, 5, required: false);
        LocalTime? resetTime = null;
        if (resetText is not null)
        {
            if (resetText is [>= '0' and <= '2', >= '0' and <= '9', ':', >= '0' and <= '5', >= '0' and <= '9'] && resetText[..2] is var hh && int.Parse(hh, System.Globalization.CultureInfo.InvariantCulture) < 24)
            {
                resetTime = UserSettings.ParseResetTime(resetText);
            }
            else
            {
                fields.Fail("resetTime", "'resetTime' must be a local time of day as \"HH:mm\", from 00:00 to 23:59.");
            }
        }

        var weekStart = fields.String("weekStart", 1, 9, required: false);
        if (weekStart is not null && !WeekDays.Contains(weekStart))
        {
            fields.Fail("weekStart", "'weekStart' must be one of " + string.Join(", ", WeekDays) + ".");
        }

        var singleRunning = fields.Bool("singleRunning", required: false);
        if (!fields.IsValid)
        {
            return Problems.Invalid(fields.Errors);
        }

        return await changes.ApplyAsync<Results<Ok<UserDto>, ValidationProblem>>(user.Identity(), ctx =>
        {
            var settings = ctx.Clock.Settings;
            TimerRules.ChangeSettings(
                ctx.Timers,
                new UserSettings(
                    zone ?? settings.Zone, resetTime ?? settings.ResetTime,
                    weekStart is null ? settings.WeekStart : UserSettings.ParseWeekStart(weekStart), singleRunning ?? settings.SingleRunning),
                ctx.NowMs, ctx.Outcome);
            return TypedResults.Ok(UserDto.From(ctx));
        }, ct);
    }
}
