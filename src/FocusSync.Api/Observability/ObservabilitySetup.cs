using System.Net;
using FocusSync.Api.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using IPNetwork = System.Net.IPNetwork;
using SignalRRedisOptions = Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions;

namespace FocusSync.Api.Observability;

public sealed class PrometheusOptions
{
    /// <summary>Map <c>/metrics</c>, the Prometheus scrape endpoint.</summary>
    public bool Enabled { get; set; }

    /// <summary>Networks in CIDR form whose addresses may scrape <c>/metrics</c> besides loopback; everyone else gets a 404.</summary>
    public string[] AllowedNetworks { get; set; } = [];
}

public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>The standard variable (and configuration key) that names the OpenTelemetry collector.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public PrometheusOptions Prometheus { get; set; } = new();
}

/// <summary>
/// OpenTelemetry: traces, metrics and logs of ASP.NET Core, outgoing HTTP, EF Core, Redis, SignalR, the runtime and
/// FocusSync's own <see cref="FocusSyncMetrics"/> and <see cref="FocusSyncTracing"/>. What to collect is configured here
/// always; a provider is only built when something consumes it — the OTLP exporter when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the Prometheus endpoint when enabled — so a service that exports nothing
/// pays nothing for it.
/// </summary>
public static class ObservabilitySetup
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<ObservabilityOptions>(ObservabilityOptions.Section);
        services.AddSingleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>();
        services.AddSingleton<FocusSyncMetrics>();
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(FocusSyncTracing.SourceName, "Microsoft.AspNetCore.SignalR.Server")
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
            .AddHttpClientInstrumentation()
            .AddEntityFrameworkCoreInstrumentation()
            .AddRedisInstrumentation()
            .SetSampler(new RootClientSpansDropped()));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(FocusSyncMetrics.MeterName)
            // Kestrel's connections, HTTP request duration, SignalR's connections and their durations.
            .AddMeter("Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http.Connections")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation());
        InstrumentBackplane(services);

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[ObservabilityOptions.OtlpEndpointKey]);
        var prometheus = builder.Configuration.ReadSettings<ObservabilityOptions>(ObservabilityOptions.Section).Prometheus.Enabled;
        if (!otlp && !prometheus)
        {
            return builder;
        }

        var telemetry = services.AddOpenTelemetry().WithMetrics();
        if (otlp)
        {
            // Traces and logs only have somewhere to go through OTLP; metrics also through Prometheus.
            telemetry.WithTracing().WithLogging().UseOtlpExporter();
        }

        if (prometheus)
        {
            telemetry.WithMetrics(metrics => metrics.AddPrometheusExporter());
        }

        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> when <c>Observability:Prometheus:Enabled</c>, answered only to loopback and
    /// <c>Observability:Prometheus:AllowedNetworks</c>; anyone else gets the 404 of a path that does not exist.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<ObservabilityOptions>>().Value.Prometheus;
        if (!options.Enabled)
        {
            return app;
        }

        var allowed = options.AllowedNetworks.Select(IPNetwork.Parse).ToArray();
        app.MapPrometheusScrapingEndpoint(MetricsPath).Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context =>
            {
                if (IsAllowed(context.Connection.RemoteIpAddress, allowed))
                {
                    return inner(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
        return app;
    }

    /// <summary>
    /// Whether <paramref name="address"/> may scrape. It is the caller's address as <see cref="TrustedProxies"/> left it: through
    /// a configured proxy the forwarded client's, so a request from outside that a load balancer relays is refused.
    /// </summary>
    internal static bool IsAllowed(IPAddress? address, IReadOnlyList<IPNetwork> allowed)
    {
        if (address is null)
        {
            return false;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IPAddress.IsLoopback(plain) || allowed.Any(network => network.Contains(plain));
    }

    // Health probes and scrapes arrive every few seconds from the platform; as traces they would bury the requests.
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);

    /// <summary>The SignalR backplane opens its own Redis connection; it is handed to the Redis instrumentation once connected.</summary>
    private static void InstrumentBackplane(IServiceCollection services) =>
        services.AddOptions<SignalRRedisOptions>().PostConfigure<IServiceProvider>((redis, provider) =>
        {
            redis.ConnectionFactory ??= async log =>
            {
                var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration, log);
                if (provider.GetService<TracerProvider>() is not null)
                {
                    provider.GetRequiredService<StackExchangeRedisInstrumentation>().AddConnection(connection);
                }

                return connection;
            };
        });

    /// <summary>
    /// A client span (a database command, a Redis call) with no parent belongs to no request or job: the due index
    /// polled every second, the backplane's own traffic. Those are dropped; everything else is kept as its parent is.
    /// </summary>
    private sealed class RootClientSpansDropped : Sampler
    {
        private static readonly Sampler _parentBased = new ParentBasedSampler(new AlwaysOnSampler());

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind == System.Diagnostics.ActivityKind.Client && samplingParameters.ParentContext.TraceId == default
                ? new SamplingResult(SamplingDecision.Drop)
                : _parentBased.ShouldSample(samplingParameters);
    }
}

internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var networks = options.Prometheus.AllowedNetworks;
        var failures = Enumerable.Range(0, networks.Length)
            .Where(i => !TrustedProxies.IsNetwork(networks[i]))
            .Select(i => $"{ObservabilityOptions.Section}:Prometheus:AllowedNetworks:{i} (\"{networks[i]}\") is not a network in CIDR "
                + "form such as 10.0.0.0/8 or fd00::/8 (no bits set after the prefix).")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
