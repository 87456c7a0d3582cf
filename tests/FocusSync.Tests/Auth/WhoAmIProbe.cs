using System.Net.Http.Headers;
using FocusSync.Api.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

/// <summary>
/// Protected paths that echo the caller's claims, added to the real service for the sign-in tests: one outside
/// the hub (no token from the query string) and one under it (the token may come from the query string).
/// </summary>
public static class WhoAmIProbe
{
    public const string WhoAmIPath = "/whoami";
    public const string HubWhoAmIPath = "/hubs/sessions/whoami";

    /// <summary>The options with the probe's paths; sign-in tests need no background job.</summary>
    public static AppOptions WithWhoAmI(this AppOptions options) => options with
    {
        DueWork = false,
        Services = services =>
        {
            options.Services?.Invoke(services);
            services.AddTransient<IStartupFilter, Paths>();
        },
    };

    /// <summary>
    /// The service with the probe, its sign-in configured by <paramref name="configuration"/> alone, on
    /// <paramref name="clock"/>; <paramref name="services"/> replaces or adds services.
    /// </summary>
    public static Task<FocusSyncApp> StartAsync(
        IReadOnlyDictionary<string, string?> configuration,
        FakeTimeProvider clock,
        Action<IServiceCollection>? services = null,
        string environment = "Development") =>
        FocusSyncApp.StartAsync(Db.Sqlite, new AppOptions
        {
            SignIn = SignIn.AsConfigured,
            Settings = configuration,
            Clock = clock,
            Services = services,
            Environment = environment,
        }.WithWhoAmI());

    public static async Task<HttpResponseMessage> GetWhoAmIAsync(this FocusSyncApp app, string? token)
    {
        using var client = app.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, WhoAmIPath);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    /// <summary>
    /// After the service's own pipeline, so a probe request has passed its authentication like any other; an anonymous
    /// one is challenged as an endpoint that requires authorization would be.
    /// </summary>
    private sealed class Paths : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use(async (HttpContext context, RequestDelegate rest) =>
            {
                if (context.Request.Path != WhoAmIPath && context.Request.Path != HubWhoAmIPath)
                {
                    await rest(context);
                }
                else if (context.User.Identity?.IsAuthenticated != true)
                {
                    await context.ChallengeAsync();
                }
                else
                {
                    var user = context.User;
                    await context.Response.WriteAsJsonAsync(new WhoAmI(
                        user.UserId(),
                        user.Identity?.Name,
                        user.Name(),
                        user.Email(),
                        user.Claims.Select(c => c.Type).ToArray()));
                }
            });
        };
    }
}

public sealed record WhoAmI(string Uid, string? IdentityName, string? Name, string? Email, string[] ClaimTypes);
