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
            .AllowAnonymous()
            .WithTags("Auth")
            .WithName("IssueDevToken")
            .WithSummary("Issues a development ID token the server accepts (Development mode only).");

        return app;
    }

    public static Results<Ok<DevTokenResponse>, ValidationProblem> IssueDevToken(
        JsonBody<DevTokenRequest> body, DevTokenIssuer issuer)
    {
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var (uid, name, email) = body.Value;
        return TypedResults.Ok(issuer.Issue(uid, name, email));
    }
}
