using System.Net.Http.Headers;
using System.Security.Claims;
using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

/// <summary>
/// A minimal app with only <see cref="AuthExtensions.AddFirebaseAuth"/>, the dev token endpoint,
/// and protected endpoints that echo the caller's claims.
/// </summary>
public sealed class AuthTestApp : IAsyncDisposable
{
    public const string WhoAmIPath = "/whoami";
    public const string HubWhoAmIPath = "/hubs/sessions/whoami";

    private readonly WebApplication _app;

    private AuthTestApp(WebApplication app, FakeTimeProvider time)
    {
        _app = app;
        Time = time;
        Client = app.GetTestClient();
    }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static WebApplicationBuilder CreateBuilder(
        IDictionary<string, string?> configuration,
        FakeTimeProvider time,
        string environment = "Development")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        // Only the test's settings: not the service's appsettings copied beside the tests, nor the machine's variables.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<TimeProvider>(time);
        return builder;
    }

    public static async Task<AuthTestApp> StartAsync(
        IDictionary<string, string?> configuration,
        FakeTimeProvider time,
        Action<IServiceCollection>? services = null,
        string environment = "Development")
    {
        var builder = CreateBuilder(configuration, time, environment);
        builder.AddFirebaseAuth();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        try
        {
            MapWhoAmI(app, WhoAmIPath);
            MapWhoAmI(app, HubWhoAmIPath);
            app.MapDevTokens();
            await app.StartAsync();
            return new AuthTestApp(app, time);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public Task<HttpResponseMessage> GetWhoAmIAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, WhoAmIPath);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }

    private static void MapWhoAmI(IEndpointRouteBuilder app, string path) =>
        app.MapGet(path, (ClaimsPrincipal user) => new WhoAmI(
                user.UserId(),
                user.Identity?.Name,
                user.Name(),
                user.Email(),
                user.Claims.Select(c => c.Type).ToArray()))
            .RequireAuthorization();
}

public sealed record WhoAmI(string Uid, string? IdentityName, string? Name, string? Email, string[] ClaimTypes);
