namespace FocusSync.Api.Http;

/// <summary>Requests to the SignalR hubs, which the Origin check, the rate limits and token reading treat apart.</summary>
public static class HubRequests
{
    public const string PathPrefix = "/hubs";

    public static bool IsHubRequest(this HttpRequest request) => request.Path.StartsWithSegments(PathPrefix);
}
