using System.Diagnostics.Metrics;
using FocusSync.Api.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Observability;

/// <summary>The pending gauge is counted once a pass and counted down per user done, so it must never go below zero.</summary>
public sealed class DueWorkGaugeTests
{
    [Fact]
    public void UsersDoneBeyondTheCountLeaveThePendingGaugeAtZeroAndANewCountStartsAgain()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new FocusSyncMetrics(factory);

        metrics.DueWorkFound(2);
        metrics.DueWorkDone();
        Assert.Equal(1, Pending(metrics, factory));
        metrics.DueWorkDone();
        metrics.DueWorkDone();
        Assert.Equal(0, Pending(metrics, factory));

        metrics.DueWorkFound(5);
        metrics.DueWorkDone();
        Assert.Equal(4, Pending(metrics, factory));
    }

    private static long Pending(FocusSyncMetrics metrics, IMeterFactory factory)
    {
        long? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Other tests' services publish the same instrument in this process: read only this factory's.
                if (instrument.Name == "focussync.due_work.pending" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        GC.KeepAlive(metrics);
        return value ?? throw new InvalidOperationException("The gauge was not observed.");
    }
}
