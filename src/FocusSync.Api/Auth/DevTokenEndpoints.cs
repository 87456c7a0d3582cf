using FocusSync.Api.Data;
using FocusSync.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Auth;

public static class DevTokenEndpoints
{
    /// <summary>Maps <c>POST /dev/token</c>, only when <c>Auth:Mode=Development</c>.</summary>
    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder app)
    {
        var auth = app.ServiceProvider.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (auth.Mode != AuthMode.Development)
        {
            return app;
        }

        app.MapPost("/dev/token", IssueDevToken)
            .Accepts<DevTokenRequest>("application/json")
            .AllowAnonymous()
            .WithTags("Auth")
            .WithName("IssueDevToken")
            .WithSummary("Issues a development ID token the server accepts (Development mode only).");

        return app;
    }

    public static async Task<Results<Ok<DevTokenResponse>, ValidationProblem>> IssueDevToken(
        HttpRequest request, DevTokenIssuer issuer, CancellationToken ct)
    {
        var (fields, bodyErrors) = await JsonFields.ReadAsync(request, ct);
        if (fields is null)
        {
            return Problems.Invalid(bodyErrors!);
        }

        fields.OnlyAllow("uid", "name", "email");
        var uid = fields.String("uid", 1, User.MaxIdLength, required: true);
        var name = fields.String("name", 0, User.MaxNameLength, required: false);
        var email = fields.String("email", 0, User.MaxEmailLength, required: false);
        if (uid is not null && !ClaimText.IsClean(uid))
        {
            fields.Fail("uid", "'uid' must not contain control characters.");
        }

        if (!fields.IsValid || uid is null)
        {
            return Problems.Invalid(fields.Errors);
        }

        return TypedResults.Ok(issuer.Issue(uid, name, email));
    }
}
