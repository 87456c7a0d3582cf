using System.IO.Compression;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Feed;
using FocusSync.Api.Groups;
using FocusSync.Api.Http;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FocusSync.Api.Account;

/// <summary>A person's data is theirs: <c>GET /me/export</c> gives all of it, <c>DELETE /me</c> removes all of it.</summary>
public static class AccountEndpoints
{
    public const string ZipContentType = "application/zip";

    private const int MaxReadAttempts = 20;

    /// <summary>Bytes written before they are sent: the export is never held whole in memory.</summary>
    private const int FlushBytes = 32 * 1024;

    public static IEndpointRouteBuilder MapAccount(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Users");
        me.MapGet("/export", Export)
            .RequireRateLimiting(RateLimits.ExportPolicy)
            .WithDescription("Everything stored about you as one JSON document, written as it is read; with Accept: text/csv, a ZIP "
                + "of one CSV file per table instead (user, groups, sessions, daily_times, changes). Rate-limited more tightly "
                + "than other reads (RateLimits:ExportsPerHour, RateLimits:ExportBurst).")
            .Produces<AccountExport>(contentType: "application/json")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // Produces keeps one declaration per status, so the ZIP joins the JSON under the same 200 here.
                operation.Responses?["200"].Content?.Add(ZipContentType, new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                });
                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        me.MapDelete("/", Delete)
            .WithDescription("Deletes every row stored about you (sessions, history, groups, settings, stored events, idempotency "
                + "records) in one transaction, and closes your hub connections on every instance. 204, also when there was "
                + "nothing to delete. A later call with a token of yours starts a new, empty account. Deleting the Firebase "
                + "account itself is the client's step.");
        return app;
    }

    private static async Task<NoContent> Delete(ClaimsPrincipal user, ChangePipeline changes, ILoggerFactory logs, CancellationToken ct)
    {
        var deleted = await changes.DeleteUserAsync(user.Identity().Id, ct);
        var logger = logs.CreateLogger(typeof(AccountEndpoints));
        if (deleted is null)
        {
            logger.LogInformation("Account deletion asked for an account that does not exist; nothing to delete");
        }
        else
        {
            // Counts only: the log keeps no trace of who was deleted.
            logger.LogInformation(
                "Deleted an account: {Sessions} sessions, {Groups} groups, {DailyTimes} daily rows, {Events} stored events, "
                    + "{IdempotentRequests} idempotency records, seq {Seq}",
                deleted.Sessions, deleted.Groups, deleted.DailyTimes, deleted.Events, deleted.IdempotentRequests, deleted.Seq);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Export(
        HttpContext http, ClaimsPrincipal user, ChangePipeline changes, FocusSyncDb db, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var csv = http.Request.AcceptsCsv();
        var identity = user.Identity();
        for (var attempt = 1; attempt <= MaxReadAttempts; attempt++)
        {
            // What fell due is committed first, so the export shows the present as GET /sessions does.
            var head = await changes.ReadAsync(identity, view => new ExportHead(UserDto.From(view), view.Seq, view.NowMs), ct);
            await using var snapshot = await ReadSnapshot.BeginAsync(db, ct);

            // The snapshot holds the state the head describes only if no change committed in between.
            var seq = await db.Users.Where(u => u.Id == identity.Id).Select(u => (long?)u.Seq).SingleOrDefaultAsync(ct);
            if (seq != head.Seq)
            {
                continue;
            }

            var rows = new ExportRows(db, identity.Id, head.NowMs);
            var response = http.Response;
            response.Headers.CacheControl = "no-store";
            response.Headers.Vary = HeaderNames.Accept;
            response.Headers.ContentDisposition = $"attachment; filename=\"focussync-export.{(csv ? "zip" : "json")}\"";
            response.ContentType = csv ? ZipContentType : "application/json; charset=utf-8";
            var options = json.Value.SerializerOptions;
            var sink = new ResponseSink(response.BodyWriter);
            if (csv)
            {
                await WriteZipAsync(sink, head, rows, options, ct);
            }
            else
            {
                await WriteJsonAsync(sink, head, rows, options, ct);
            }

            await sink.SendAsync(ct);

            return TypedResults.Empty;
        }

        return TypedResults.Problem(
            detail: "Your data kept changing while the export was read; try again.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Export not consistent");
    }

    private static async Task WriteJsonAsync(ResponseSink body, ExportHead head, ExportRows rows, JsonSerializerOptions options, CancellationToken ct)
    {
        string Name(string property) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

        using var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = options.Encoder });
        writer.WriteStartObject();
        writer.WriteNumber(Name(nameof(AccountExport.ExportedAtMs)), head.NowMs);
        writer.WriteNumber(Name(nameof(AccountExport.Seq)), head.Seq);
        writer.WritePropertyName(Name(nameof(AccountExport.User)));
        JsonSerializer.Serialize(writer, head.User, options);
        await WriteArrayAsync(Name(nameof(AccountExport.Groups)), rows.GroupsAsync(ct));
        await WriteArrayAsync(Name(nameof(AccountExport.Sessions)), rows.SessionsAsync(ct));
        await WriteArrayAsync(Name(nameof(AccountExport.DailyTimes)), rows.DailyTimesAsync(ct));
        await WriteArrayAsync(Name(nameof(AccountExport.Changes)), rows.ChangesAsync(ct));
        writer.WriteEndObject();
        writer.Flush();

        async Task WriteArrayAsync<T>(string name, IAsyncEnumerable<T> items)
        {
            writer.WriteStartArray(name);
            await foreach (var item in items)
            {
                JsonSerializer.Serialize(writer, item, options);
                if (body.Pending >= FlushBytes)
                {
                    await body.SendAsync(ct);
                }
            }

            writer.WriteEndArray();
        }
    }

    private static async Task WriteZipAsync(ResponseSink body, ExportHead head, ExportRows rows, JsonSerializerOptions options, CancellationToken ct)
    {
        await using var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        await WriteCsvAsync(zip, body, "user.csv", One(head.User), options, ct);
        await WriteCsvAsync(zip, body, "groups.csv", rows.GroupsAsync(ct), options, ct);
        await WriteCsvAsync(zip, body, "sessions.csv", rows.SessionsAsync(ct), options, ct);
        await WriteCsvAsync(zip, body, "daily_times.csv", rows.DailyTimesAsync(ct), options, ct);
        await WriteCsvAsync(zip, body, "changes.csv", rows.ChangeRowsAsync(ct), options, ct);

        static async IAsyncEnumerable<UserDto> One(UserDto user)
        {
            await Task.CompletedTask;
            yield return user;
        }
    }

    /// <summary>
    /// One RFC 4180 file: a header of the row type's JSON property names, then each row's JSON values in that order
    /// (text as it is, numbers and booleans as JSON writes them, null empty), so the columns follow the API's shapes.
    /// </summary>
    private static async Task WriteCsvAsync<T>(
        ZipArchive zip, ResponseSink body, string name, IAsyncEnumerable<T> rows, JsonSerializerOptions options, CancellationToken ct)
    {
        var columns = options.GetTypeInfo(typeof(T)).Properties
            .Where(p => p.AttributeProvider?.IsDefined(typeof(JsonIgnoreAttribute), inherit: true) != true)
            .OrderBy(p => p.Order)
            .Select(p => p.Name)
            .ToList();
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync(ct);
        await using var text = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        await text.WriteAsync(Csv.Line(columns));
        await foreach (var row in rows)
        {
            var values = JsonSerializer.SerializeToElement(row, options);
            await text.WriteAsync(Csv.Line(columns.Select(c => values.TryGetProperty(c, out var value) ? Csv.Cell(value) : "")));
            if (body.Pending >= FlushBytes)
            {
                await body.SendAsync(ct);
            }
        }
    }

    private sealed record ExportHead(UserDto User, long Seq, long NowMs);

    /// <summary>A user's rows, each table read as a stream inside the caller's <see cref="ReadSnapshot"/>.</summary>
    private sealed class ExportRows(FocusSyncDb db, string userId, long nowMs)
    {
        public async IAsyncEnumerable<GroupDto> GroupsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var row in db.Groups.AsNoTracking().Where(g => g.UserId == userId).OrderBy(g => g.Id).AsAsyncEnumerable().WithCancellation(ct))
            {
                yield return GroupDto.From(row);
            }
        }

        public async IAsyncEnumerable<ExportedSession> SessionsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var row in db.Sessions.AsNoTracking().Where(s => s.UserId == userId).OrderBy(s => s.Id).AsAsyncEnumerable().WithCancellation(ct))
            {
                yield return ExportedSession.From(row, nowMs);
            }
        }

        public async IAsyncEnumerable<ExportedDailyTime> DailyTimesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var rows = db.TaskDailyTimes.AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.Date).ThenBy(d => d.SessionId);
            await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
            {
                yield return ExportedDailyTime.From(row);
            }
        }

        public async IAsyncEnumerable<StoredEvent> ChangesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var row in StoredChanges().WithCancellation(ct))
            {
                yield return new StoredEvent(row.Json);
            }
        }

        public async IAsyncEnumerable<ExportedChange> ChangeRowsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var row in StoredChanges().WithCancellation(ct))
            {
                yield return new ExportedChange(row.Seq, row.Json);
            }
        }

        private IAsyncEnumerable<StoredChange> StoredChanges() =>
            db.StoredChanges.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.Seq).AsAsyncEnumerable();
    }
}
