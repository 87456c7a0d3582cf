using FocusSync.Api.Auth;
using FocusSync.Api.Http;
using FocusSync.Api.Realtime;
using FocusSync.Api.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Http;

public sealed class SettingsTests
{
    [Theory]
    [InlineData("Limits:MaxRequestBodyBytes", "0")]
    [InlineData("Limits:MaxSessionsPerUser", "0")]
    [InlineData("Limits:MaxGroupsPerUser", "100001")]
    [InlineData("RateLimits:Burst", "0")]
    [InlineData("RateLimits:HealthPermitsPerSecond", "0")]
    [InlineData("Health:CacheMilliseconds", "-1")]
    [InlineData("Realtime:MaxConnectionsPerUser", "0")]
    [InlineData("Redis:ChannelPrefix", "")]
    public async Task ASettingOutOfRangeStopsTheStartNamingItsKey(string key, string value)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddClock();
        builder.AddLimits();
        builder.AddRateLimits();
        builder.AddHealth();
        builder.AddRealtime();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FirebaseSignInIsTheDefaultSoTheWebClientMayReachGoogleWithoutAnAuthMode()
    {
        var auth = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Firebase:ProjectId"] = "demo-1234" })
            .Build()
            .ReadSettings<AuthOptions>(AuthOptions.Section);

        var policy = BrowserSecurity.ContentSecurityPolicy(auth, new WebClientOptions());

        Assert.Contains("connect-src 'self' https://identitytoolkit.googleapis.com", policy, StringComparison.Ordinal);
        Assert.Contains("frame-src https://demo-1234.firebaseapp.com;", policy, StringComparison.Ordinal);
    }
}
