using System.Net;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Http;

public sealed class ProductionErrorTests
{
    public const string ThrowPath = "/test/throw";
    private const string Secret = "secret-internal-detail-4711";

    [Fact]
    public async Task AnUnhandledExceptionInProductionIsA500ProblemWithoutTheExceptionOrStackTrace()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        await using var production = InProduction(app);
        using var client = production.CreateClient();

        using var response = await client.GetAsync(ThrowPath, TestContext.Current.CancellationToken);

        var detail = await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.InternalServerError);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("stack", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("logged", detail, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    /// <summary>The app in the Production environment, with an endpoint-less path that throws past every middleware.</summary>
    internal static WebApplicationFactory<Program> InProduction(FocusSyncApp app) =>
        app.WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            builder.ConfigureServices(services => services.AddTransient<IStartupFilter, ThrowingPath>());
        });

    /// <summary>Appended after the app's own pipeline, so the exception passes through its exception handler.</summary>
    private sealed class ThrowingPath : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext context, RequestDelegate rest) => context.Request.Path == ThrowPath
                ? throw new InvalidOperationException(Secret)
                : rest(context));
        };
    }
}
