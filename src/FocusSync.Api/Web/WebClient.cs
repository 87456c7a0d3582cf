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

/// <summary>The Firebase web config; <c>EmulatorUrl</c> is set when the service trusts the Firebase Auth emulator.</summary>
public sealed record FirebaseWebConfig(string ApiKey, string AuthDomain, string? ProjectId, Uri? EmulatorUrl);

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

    /// <summary>The API key the web client gets for the emulator when none is configured: the emulator accepts any.</summary>
    public const string EmulatorApiKey = "demo-api-key";

    public static Ok<WebClientConfig> GetConfig(
        IOptions<AuthOptions> auth, IOptions<WebClientOptions> web, TimeProvider time, HttpResponse response)
    {
        response.Headers.CacheControl = CacheControlHeaderValue.NoStoreString;
        return TypedResults.Ok(new WebClientConfig(
            auth.Value.Mode.ToString(), FirebaseConfig(auth.Value, web.Value), time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    /// <summary>
    /// The Firebase web config, or null when the web client cannot sign in with Firebase. Against the emulator
    /// the web keys may be left out: a local run then needs no Firebase project at all.
    /// </summary>
    private static FirebaseWebConfig? FirebaseConfig(AuthOptions auth, WebClientOptions web)
    {
        if (auth.Mode != AuthMode.Firebase)
        {
            return null;
        }

        var firebase = auth.Firebase;
        var apiKey = NullIfBlank(web.Firebase.ApiKey);
        var authDomain = NullIfBlank(web.Firebase.AuthDomain);
        if (firebase.EmulatorUrl is { } emulatorUrl)
        {
            return new FirebaseWebConfig(
                apiKey ?? EmulatorApiKey, authDomain ?? $"{firebase.ProjectId}.firebaseapp.com", firebase.ProjectId, emulatorUrl);
        }

        return apiKey is not null && authDomain is not null ? new FirebaseWebConfig(apiKey, authDomain, firebase.ProjectId, null) : null;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
