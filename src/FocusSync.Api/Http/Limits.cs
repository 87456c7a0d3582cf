using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

/// <summary>
/// The <see cref="LimitOptions"/>, and the cap on request bodies: a 413 with a problem that names the limit,
/// whether the size is declared up front (Content-Length) or only discovered while reading (chunked).
/// </summary>
public static class Limits
{
    public static WebApplicationBuilder AddLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<LimitOptions>(LimitOptions.Section);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        return builder;
    }

    public static WebApplication UseRequestBodyLimit(this WebApplication app)
    {
        var max = app.Services.GetRequiredService<IOptions<LimitOptions>>().Value.MaxRequestBodyBytes;
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength > max)
            {
                return Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeTitle, TooLargeDetail(max));
            }

            // Kestrel enforces the feature itself; hosts without it (the test server) get a counting stream.
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false })
            {
                feature.MaxRequestBodySize = max;
            }
            else if (feature is null && context.Request.ContentLength is null)
            {
                context.Request.Body = new LimitedReadStream(context.Request.Body, max);
            }

            return next(context);
        });
        return app;
    }

    private const string TooLargeTitle = "Request body too large";

    internal static string TooLargeDetail(long max) =>
        $"The request body is larger than the limit of {max} bytes ({LimitOptions.Section}:{nameof(LimitOptions.MaxRequestBodyBytes)}).";

    /// <summary>Turns a malformed or oversized request that surfaced as an exception into its 4xx problem.</summary>
    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems, IOptions<LimitOptions> options)
        : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLargeTitle : "Bad request",
                    Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                        ? TooLargeDetail(options.Value.MaxRequestBodyBytes)
                        : "The request could not be read.",
                    Extensions = { ["errors"] = new Dictionary<string, string[]> { ["body"] = [bad.Message] } },
                },
            });
        }
    }

    private sealed class LimitedReadStream(Stream inner, long max) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > max
                ? throw new BadHttpRequestException(TooLargeDetail(max), StatusCodes.Status413PayloadTooLarge)
                : read;
        }
    }
}
