using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace FocusSync.Tests.Auth;

/// <summary>Stands in for Google's x509 key endpoint: serves kid → PEM with a Cache-Control max-age.</summary>
public sealed class FakeKeyServer
{
    private readonly Lock _lock = new();
    private Dictionary<string, string> _keys = [];
    private TimeSpan? _maxAge = TimeSpan.FromHours(6);
    private HttpStatusCode _status = HttpStatusCode.OK;
    private TaskCompletionSource? _gate;
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Completes when the first download request arrives.</summary>
    public Task Requested => _requested.Task;

    public void Publish(Dictionary<string, string> keys, TimeSpan? maxAge)
    {
        lock (_lock)
        {
            _keys = new Dictionary<string, string>(keys);
            _maxAge = maxAge;
            _status = HttpStatusCode.OK;
        }
    }

    public void Fail(HttpStatusCode status)
    {
        lock (_lock)
        {
            _status = status;
        }
    }

    /// <summary>Holds every response until the returned source is completed.</summary>
    public TaskCompletionSource Hold()
    {
        lock (_lock)
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _gate;
        }
    }

    public HttpMessageHandler CreateHandler() => new Handler(this);

    private async Task<HttpResponseMessage> RespondAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        _requested.TrySetResult();
        Task? gate;
        Dictionary<string, string> keys;
        TimeSpan? maxAge;
        HttpStatusCode status;
        lock (_lock)
        {
            gate = _gate?.Task;
            keys = _keys;
            maxAge = _maxAge;
            status = _status;
        }

        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (status != HttpStatusCode.OK)
        {
            return new HttpResponseMessage(status);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(keys) };
        if (maxAge is { } age)
        {
            response.Headers.CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = age, MustRevalidate = true };
        }

        return response;
    }

    private sealed class Handler(FakeKeyServer server) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            server.RespondAsync(cancellationToken);
    }
}
