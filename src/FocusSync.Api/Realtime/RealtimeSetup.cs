using FocusSync.Api.Changes;
using FocusSync.Api.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using System.Text.Json;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FocusSync.Api.Realtime;

public static class RealtimeSetup
{
    public const string HubPath = "/hubs/sessions";

    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<RealtimeOptions>(RealtimeOptions.Section);
        services.AddSingleton<ConnectionCap>();
        services.AddSingleton<HubConnectionRegistry>();
        services.AddSingleton<HubGate>();
        services.AddSingleton<HandshakeTracker>();
        var signalR = services.AddSignalR();
        services.AddSettings<RedisOptions>(RedisOptions.Section);
        var redis = builder.Configuration.ReadSettings<RedisOptions>(RedisOptions.Section);
        if (redis.Connection is { Length: > 0 } connection)
        {
            // Several instances: an event raised on one reaches the user's connections on all of them.
            signalR.AddStackExchangeRedis(connection, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(redis.ChannelPrefix));
            services.AddHealthChecks().AddRedis(connection, name: "redis", tags: [HealthSetup.ReadyTag]);
        }

        services.AddConnectionTracking();

        // Events carry the same session and user JSON as the REST responses, whatever options those get.
        services.AddOptions<JsonHubProtocolOptions>().Configure<IOptions<JsonOptions>>((hub, http) =>
            hub.PayloadSerializerOptions = new JsonSerializerOptions(http.Value.SerializerOptions));
        services.AddOptions<HubOptions>().Configure<IOptions<RealtimeOptions>>((hub, realtime) =>
        {
            hub.MaximumReceiveMessageSize = realtime.Value.MaximumReceiveMessageSize;
            hub.HandshakeTimeout = realtime.Value.HandshakeTimeout;
            // The tracker first: it must see a connection that the cap then refuses.
            hub.AddFilter<HandshakeTracker>();
            hub.AddFilter<ConnectionCap>();
        });
        services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();
        services.AddSingleton<ChangeFeedWriter>();
        services.AddSingleton<IChangePublisher, HubChangePublisher>();
        services.PostConfigure<LoggerFilterOptions>(TokenSafeLogging.SuppressRequestLogs);
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        var realtime = app.ServiceProvider.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        var gate = app.ServiceProvider.GetRequiredService<HubGate>();
        // A signed-in user's hub requests are outside the request rate limit (long polls would spend its budget);
        // the gate limits their new connections instead, and the connection cap the established ones.
        app.MapHub<SessionsHub>(HubPath, dispatcher =>
        {
            // Bounded both ways: little comes in (clients only listen), and a client that stops reading
            // holds at most this buffer before its sends wait, then is dropped after the send timeout.
            dispatcher.ApplicationMaxBufferSize = realtime.MaximumReceiveMessageSize;
            dispatcher.TransportMaxBufferSize = realtime.MaxBufferedBytesPerConnection;
            dispatcher.TransportSendTimeout = realtime.SendTimeout;
            // Version 0 uses the public connection id as the connection token; version 1 keeps the token private.
            dispatcher.MinimumProtocolVersion = 1;
        }).Add(gate.Guard);
        return app;
    }
}
