using FocusSync.Api.Auth;
using FocusSync.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FocusSync.Api.Web;

/// <summary>The Firebase Web SDK settings the browser client signs in with (public values, not secrets).</summary>
public sealed class WebClientOptions
{
    public const string Section = "WebClient";

    public FirebaseWebOptions Firebase { get; set; } = new();
}

public sealed class FirebaseWebOptions
{
    public string? ApiKey { get; set; }

    public string? AuthDomain { get; set; }
}

/// <summary>What <c>GET /config</c> tells the web client: how to sign in, and the server's clock.</summary>
public sealed record WebClientConfig(string AuthMode, FirebaseWebConfig? Firebase, long ServerTimeMs);

public sealed record FirebaseWebConfig(string ApiKey, string AuthDomain, string? ProjectId);

public static class WebClient
{
    public static WebApplicationBuilder AddWebClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<WebClientOptions>(WebClientOptions.Section);
        return builder;
    }

    /// <summary>Serves the single-page client from wwwroot (index.html at <c>/</c>) and its <c>GET /config</c>.</summary>
    public static WebApplication UseWebClient(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // File names carry no version: browsers must revalidate (ETag) so a new build shows at once.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/config", GetConfig)
            .AllowAnonymous()
            .WithTags("Web client")
            .WithSummary("How the web client signs in: the auth mode and, in Firebase mode, the Firebase web config.");
        return app;
    }

    public static Ok<WebClientConfig> GetConfig(
        IOptions<AuthOptions> auth, IOptions<WebClientOptions> web, TimeProvider time, HttpResponse response)
    {
        var firebase = web.Value.Firebase;
        var firebaseConfig = auth.Value.Mode == AuthMode.Firebase
            && !string.IsNullOrWhiteSpace(firebase.ApiKey) && !string.IsNullOrWhiteSpace(firebase.AuthDomain)
                ? new FirebaseWebConfig(firebase.ApiKey, firebase.AuthDomain, auth.Value.Firebase.ProjectId)
                : null;
        response.Headers.CacheControl = CacheControlHeaderValue.NoStoreString;
        return TypedResults.Ok(new WebClientConfig(
            auth.Value.Mode.ToString(), firebaseConfig, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }
}
