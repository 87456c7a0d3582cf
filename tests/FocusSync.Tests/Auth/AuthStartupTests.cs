using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

public sealed class AuthStartupTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void DevelopmentSignInRefusesToStartInProduction()
    {
        var builder = ProductionBuilder(new Dictionary<string, string?> { ["Auth:Mode"] = "development" });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddFirebaseAuth());

        Assert.Contains("Auth:Mode=Development", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFirebaseAuthEmulatorRefusesToStartInProduction()
    {
        var configuration = new TestTokens(_time).FirebaseConfiguration();
        configuration[AuthStartupGuard.EmulatorHostVariable] = "localhost:9099";
        var builder = ProductionBuilder(configuration);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddFirebaseAuth());

        Assert.Contains("FIREBASE_AUTH_EMULATOR_HOST", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentModeAddedAfterAddFirebaseAuthStillRefusesToStartInProduction()
    {
        var builder = ProductionBuilder(new TestTokens(_time).FirebaseConfiguration());
        builder.AddFirebaseAuth();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Mode"] = "Development" });
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Auth:Mode=Development", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirebaseModeStartsInProduction()
    {
        await using var app = await WhoAmIProbe.StartAsync(new TestTokens(_time).FirebaseConfiguration(), _time, environment: "Production");

        Assert.NotNull(app.Services);
    }

    [Fact]
    public async Task FirebaseModeWithoutAProjectIdStopsTheStartNamingTheKey()
    {
        var configuration = new Dictionary<string, string?> { ["Auth:Mode"] = "Firebase" };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WhoAmIProbe.StartAsync(configuration, _time));

        Assert.Contains("Auth:Firebase:ProjectId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirebaseIsTheDefaultModeSoAMissingProjectIdStopsTheStart()
    {
        // On a bare builder: the service's appsettings name a mode, so only here is none configured.
        var builder = ProductionBuilder(new Dictionary<string, string?>());
        builder.AddFirebaseAuth();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Auth:Firebase:ProjectId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadableSigningKeyStopsTheStartNamingTheKey()
    {
        var configuration = new TestTokens(_time).FirebaseConfiguration();
        configuration["Auth:Firebase:SigningKeys:broken"] = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WhoAmIProbe.StartAsync(configuration, _time));

        Assert.Contains("Auth:Firebase:SigningKeys:broken", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----")]
    public async Task AnUnreadableDevelopmentSigningKeyStopsTheStartNamingTheKey(string pem)
    {
        var configuration = new Dictionary<string, string?> { ["Auth:Mode"] = "Development", ["Auth:DevelopmentSigningKey"] = pem };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WhoAmIProbe.StartAsync(configuration, _time));

        Assert.Contains("Auth:DevelopmentSigningKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADevelopmentSigningKeyThatIsOnlyAPublicKeyStopsTheStart()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var configuration = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Development",
            ["Auth:DevelopmentSigningKey"] = rsa.ExportSubjectPublicKeyInfoPem(),
        };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WhoAmIProbe.StartAsync(configuration, _time));

        Assert.Contains("Auth:DevelopmentSigningKey", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A Production builder with only <paramref name="configuration"/> (not the service's appsettings nor the machine's
    /// variables), for what <see cref="AuthExtensions.AddFirebaseAuth"/> does to a builder before any app exists.
    /// </summary>
    internal static WebApplicationBuilder ProductionBuilder(IDictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        return builder;
    }
}

[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class AuthEmulatorEnvironmentVariableTests
{
    [Fact]
    public void TheFirebaseAuthEmulatorEnvironmentVariableRefusesToStartInProduction()
    {
        var time = new FakeTimeProvider();
        Environment.SetEnvironmentVariable(AuthStartupGuard.EmulatorHostVariable, "127.0.0.1:9099");
        try
        {
            var builder = AuthStartupTests.ProductionBuilder(new TestTokens(time).FirebaseConfiguration());

            var error = Assert.Throws<InvalidOperationException>(() => builder.AddFirebaseAuth());

            Assert.Contains("FIREBASE_AUTH_EMULATOR_HOST", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(AuthStartupGuard.EmulatorHostVariable, null);
        }
    }
}
