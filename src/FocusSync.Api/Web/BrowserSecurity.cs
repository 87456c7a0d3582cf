using FocusSync.Api.Auth;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FocusSync.Api.Web;

public sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>Origins (scheme://host[:port]) besides the service's own that browsers may call it from.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>
/// What protects a browser talking to the service: security headers and a strict Content-Security-Policy
/// on every response, CORS for the configured origins, and an Origin check on the hub's requests.
/// </summary>
public static class BrowserSecurity
{
    public static WebApplicationBuilder AddBrowserSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<CorsOptions>(CorsOptions.Section)
            .Validate(o => o.AllowedOrigins.All(IsOrigin), "Cors:AllowedOrigins must hold origins such as https://app.example.com.");
        var origins = builder.Configuration.ReadSettings<CorsOptions>(CorsOptions.Section).AllowedOrigins;
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins(origins)
            .AllowAnyHeader()
            .AllowAnyMethod()
            // The SignalR client sends credentials on negotiate; tokens travel in headers, never cookies.
            .AllowCredentials()
            .WithExposedHeaders(HeaderNames.ETag, HeaderNames.Location, HeaderNames.RetryAfter)));
        return builder;
    }

    public static WebApplication UseBrowserSecurity(this WebApplication app)
    {
        var policy = ContentSecurityPolicy(
            app.Services.GetRequiredService<IOptions<AuthOptions>>().Value, app.Services.GetRequiredService<IOptions<WebClientOptions>>().Value);
        // The API reference page (Scalar) boots from an inline module script and inline styles.
        const string apiPagePolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        app.Use((context, next) =>
        {
            // OnStarting, because the exception handler clears the headers of a failed response.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ApiDocs.PagePath) ? apiPagePolicy : policy;
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseCors();
        app.Use((context, next) =>
        {
            if (context.Request.IsHubRequest() && !IsAllowedOrigin(context))
            {
                context.RequestServices.GetRequiredService<FocusSyncMetrics>().HubRefused("origin");
                return Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                    "Connections to the hub are only accepted from this service's own origin and Cors:AllowedOrigins.");
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// Browsers always send Origin on WebSocket upgrades and cross-origin requests; a request without one
    /// is not from a browser page and cannot ride on a user's ambient credentials.
    /// </summary>
    internal static bool IsAllowedOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !IsOrigin(origin))
        {
            return false;
        }

        // The scheme is not compared: behind a TLS-terminating proxy the service sees http for an https page.
        if (string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var allowed = context.RequestServices.GetRequiredService<IOptions<CorsOptions>>().Value.AllowedOrigins;
        return allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Same-origin only: the web client serves every script itself (the Firebase Web SDK included), nothing
    /// inline, no eval. With Firebase sign-in the SDK talks to Google's auth endpoints and opens its
    /// sign-in helper frame on the auth domain, so exactly those are added; against the Firebase Auth emulator
    /// the SDK does both on the emulator's origin instead.
    /// </summary>
    internal static string ContentSecurityPolicy(AuthOptions auth, WebClientOptions web)
    {
        var firebase = auth.Mode == AuthMode.Firebase;
        var project = auth.Firebase.ProjectId;
        var authDomain = web.Firebase.AuthDomain ?? (string.IsNullOrWhiteSpace(project) ? null : $"{project}.firebaseapp.com");
        var emulator = firebase && auth.Firebase.EmulatorUrl is { } url ? url.GetLeftPart(UriPartial.Authority) : null;
        var connect = (firebase, emulator) switch
        {
            (true, { } origin) => $"'self' {origin}",
            (true, null) => "'self' https://identitytoolkit.googleapis.com https://securetoken.googleapis.com https://www.googleapis.com",
            _ => "'self'",
        };
        var frames = (firebase, emulator) switch
        {
            (true, { } origin) => origin,
            (true, null) when !string.IsNullOrWhiteSpace(authDomain) => $"https://{authDomain}",
            _ => "'none'",
        };
        return $"default-src 'self'; script-src 'self'; connect-src {connect}; frame-src {frames}; "
            + "img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value.TrimEnd('/'), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}
