using FocusSync.Api.Realtime;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Realtime;

public sealed class RealtimeOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid()
    {
        Assert.True(Validate(new RealtimeOptions()).Succeeded);
    }

    [Theory]
    [InlineData(nameof(RealtimeOptions.NewConnectionBurstPerAddress), nameof(RealtimeOptions.NewConnectionBurstPerUser))]
    [InlineData(nameof(RealtimeOptions.NewConnectionsPerMinutePerAddress), nameof(RealtimeOptions.NewConnectionsPerMinutePerUser))]
    [InlineData(nameof(RealtimeOptions.MaxPendingConnectionsPerAddress), nameof(RealtimeOptions.MaxPendingConnectionsPerUser))]
    public void AnAddressLimitThatOneUserCouldReachAloneIsRefusedNamingBothKeys(string address, string user)
    {
        var options = new RealtimeOptions();
        var property = typeof(RealtimeOptions).GetProperty(address)!;
        property.SetValue(options, typeof(RealtimeOptions).GetProperty(user)!.GetValue(options));

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains($"Realtime:{address}", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"Realtime:{user}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.100")]
    [InlineData("00:05:00")]
    public void AHandshakeTimeoutOutsideHalfASecondToAMinuteIsRefused(string timeout)
    {
        var result = Validate(new RealtimeOptions { HandshakeTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains(nameof(RealtimeOptions.HandshakeTimeout), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(RealtimeOptions.NewConnectionBurstPerUser))]
    [InlineData(nameof(RealtimeOptions.NewConnectionsPerMinutePerUser))]
    [InlineData(nameof(RealtimeOptions.MaxPendingConnectionsPerUser))]
    public void ALimitBelowOneIsRefused(string limit)
    {
        var options = new RealtimeOptions();
        typeof(RealtimeOptions).GetProperty(limit)!.SetValue(options, 0);

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(limit, result.FailureMessage, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(RealtimeOptions options) =>
        new DataAnnotationValidateOptions<RealtimeOptions>(Options.DefaultName).Validate(Options.DefaultName, options);
}
