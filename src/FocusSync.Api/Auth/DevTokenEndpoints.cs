using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Auth;

public static class DevTokenEndpoints
{
    public const int MaxUidLength = 128;
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;

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

    public static Results<Ok<DevTokenResponse>, ValidationProblem> IssueDevToken(DevTokenRequest request, DevTokenIssuer issuer)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Uid))
        {
            errors["uid"] = ["uid is required."];
        }
        else if (request.Uid.Length > MaxUidLength)
        {
            errors["uid"] = [$"uid must be at most {MaxUidLength} characters."];
        }

        if (request.Name is { Length: > MaxNameLength })
        {
            errors["name"] = [$"name must be at most {MaxNameLength} characters."];
        }

        if (request.Email is { Length: > MaxEmailLength })
        {
            errors["email"] = [$"email must be at most {MaxEmailLength} characters."];
        }

        if (errors.Count > 0 || request.Uid is not { } uid)
        {
            return TypedResults.ValidationProblem(errors, detail: "The development token request is invalid.");
        }

        return TypedResults.Ok(issuer.Issue(uid, request.Name, request.Email));
    }
}
