using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Timekeeping;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace FocusSync.Api.Users;

/// <summary>Changes only the settings sent; none may be null.</summary>
public sealed record UserSettingsRequest(
    [DisallowNull, Length(1, User.MaxTimeZoneLength), TimeZoneId, Description("an IANA time-zone id such as Europe/Paris")] string? TimeZone,
    [DisallowNull, Length(User.ResetTimeLength, User.ResetTimeLength), RegularExpression("^([01][0-9]|2[0-3]):[0-5][0-9]$"),
        Description("a local time of day as \"HH:mm\", from 00:00 to 23:59")] string? ResetTime,
    [DisallowNull, Length(1, User.MaxWeekStartLength), AllowedValues("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")] string? WeekStart,
    [DisallowNull] bool? SingleRunning);

/// <summary>An IANA time-zone id that the time-zone database knows, such as <c>Europe/Paris</c>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TimeZoneIdAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string id && DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is null
            ? new ValidationResult($"'{id}' is not a known IANA time-zone id.")
            : ValidationResult.Success;
}

public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Users");
        me.MapPost("/login", Login);
        me.MapGet("/", (ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
            changes.ReadAsync(user.Identity(), view => TypedResults.Ok(UserDto.From(view)), ct));
        me.MapPatch("/", Patch);
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
        JsonBody<UserSettingsRequest> body, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var (zoneId, resetText, weekStart, singleRunning) = body.Value;
        var zone = zoneId is null ? null : DateTimeZoneProviders.Tzdb[zoneId];
        LocalTime? resetTime = resetText is null ? null : UserSettings.ParseResetTime(resetText);

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
