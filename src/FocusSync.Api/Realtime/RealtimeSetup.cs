using FocusSync.Api.Sessions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using System.Text.Json;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FocusSync.Api.Realtime;

public static class RealtimeSetup
{
    public const string HubPath = "/hubs/sessions";

    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConnectionCap>();
        services.AddSignalR();

        // Events carry the same session and user JSON as the REST responses, whatever options those get.
        services.AddOptions<JsonHubProtocolOptions>().Configure<IOptions<JsonOptions>>((hub, http) =>
            hub.PayloadSerializerOptions = new JsonSerializerOptions(http.Value.SerializerOptions));
        services.AddOptions<HubOptions>().Configure<IOptions<RealtimeOptions>>((hub, realtime) =>
        {
            hub.MaximumReceiveMessageSize = realtime.Value.MaximumReceiveMessageSize;
            hub.EnableDetailedErrors = false;
            hub.AddFilter<ConnectionCap>();
        });
        services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();
        services.AddSingleton<IChangePublisher, HubChangePublisher>();
        services.PostConfigure<LoggerFilterOptions>(TokenSafeLogging.SuppressRequestLogs);
        builder.AddDueWork();
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        var realtime = app.ServiceProvider.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        app.MapHub<SessionsHub>(HubPath, dispatcher =>
        {
            // Bounded both ways: little comes in (clients only listen), and a client that stops reading
            // holds at most this buffer before its sends wait, then is dropped after the send timeout.
            dispatcher.ApplicationMaxBufferSize = realtime.MaximumReceiveMessageSize;
            dispatcher.TransportMaxBufferSize = realtime.MaxBufferedBytesPerConnection;
            dispatcher.TransportSendTimeout = realtime.SendTimeout;
        });
        return app;
    }
}
