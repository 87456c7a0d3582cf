using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Timekeeping;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
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
        me.MapGet("/", (ClaimsPrincipal user, ChangePipeline changes, HttpResponse response, CancellationToken ct) =>
            changes.ReadAsync(user.Identity(), view => Tagged(response, UserDto.From(view)), ct));
        me.MapPatch("/", Patch)
            .WithHeaderParameter("If-Match", "The settings' ETag (the user's `settingsETag`) or *: other settings are a 412 that carries the current user.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return app;
    }

    private static Ok<UserDto> Tagged(HttpResponse response, UserDto dto)
    {
        response.Headers.ETag = dto.SettingsETag;
        return TypedResults.Ok(dto);
    }

    /// <summary>Whether an <c>If-Match</c> header (absent, <c>*</c>, or a list of ETags) accepts the settings as they are.</summary>
    private static bool Matches(string? header, string current) =>
        string.IsNullOrEmpty(header)
        || (EntityTagHeaderValue.TryParseList([header], out var tags)
            && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(current), useStrongComparison: true)));

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

    private static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> Patch(
        JsonBody<UserSettingsRequest> body, ClaimsPrincipal user, ChangePipeline changes, HttpRequest request, HttpResponse response,
        CancellationToken ct)
    {
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var (zoneId, resetText, weekStart, singleRunning) = body.Value;
        var zone = zoneId is null ? null : DateTimeZoneProviders.Tzdb[zoneId];
        LocalTime? resetTime = resetText is null ? null : UserSettings.ParseResetTime(resetText);

        var ifMatch = request.Headers.IfMatch.ToString();
        return await changes.ApplyAsync<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), ctx =>
        {
            var settings = ctx.Clock.Settings;
            if (!Matches(ifMatch, UserDto.SettingsTag(settings)))
            {
                return TypedResults.Problem(
                    detail: "The settings have changed since that version; the current ones are in `user`.",
                    statusCode: StatusCodes.Status412PreconditionFailed,
                    extensions: new Dictionary<string, object?> { ["user"] = UserDto.From(ctx) });
            }

            TimerRules.ChangeSettings(
                ctx.Timers,
                new UserSettings(
                    zone ?? settings.Zone, resetTime ?? settings.ResetTime,
                    weekStart is null ? settings.WeekStart : UserSettings.ParseWeekStart(weekStart), singleRunning ?? settings.SingleRunning),
                ctx.NowMs, ctx.Outcome);
            return Tagged(response, UserDto.From(ctx));
        }, ct);
    }
}
