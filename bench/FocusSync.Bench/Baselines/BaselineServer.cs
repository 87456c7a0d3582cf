using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace FocusSync.Bench.Baselines;

/// <summary>
/// The bench program's <c>baseline-server</c> mode: the least ASP.NET Core code that does each job the
/// service does, run as a separate process so its CPU time and memory are measured on their own.
/// <list type="bullet">
/// <item><c>POST /sessions/{id}/actions/{start|pause}</c>: one single-row UPDATE through raw Microsoft.Data.Sqlite
/// (<c>Baseline:Database</c>, WAL, <c>Baseline:Synchronous</c>), or through raw Npgsql when
/// <c>Baseline:Postgres</c> holds a connection string.</item>
/// <item><c>/ws?user=N</c>: a raw WebSocket; a message received is sent to every connection of user N.</item>
/// <item><c>POST /fanout/{user}</c>: sends one pre-serialised event frame to every connection of that user.</item>
/// </list>
/// </summary>
public static class BaselineServer
{
    /// <summary>A start event as the service sends it (SignalR JSON invocation), serialised once.</summary>
    public static readonly byte[] EventFrame = Encoding.UTF8.GetBytes(
        "{\"type\":1,\"target\":\"event\",\"arguments\":[{\"type\":\"start\",\"seq\":1,\"serverTimeMs\":1795000000000,"
        + "\"session\":{\"id\":1,\"title\":\"Bench\",\"groupId\":null,\"noGoal\":false,\"initialDuration\":86400,"
        + "\"timeLeft\":86400,\"targetTimeMs\":1795086400000,\"runStartedAtMs\":1795000000000,\"state\":\"running\","
        + "\"isCompleted\":false,\"dailyGoalMinutes\":60,\"focusSeconds\":0,\"version\":2,"
        + "\"createdAt\":\"2026-11-28T17:00:00+00:00\"}}]}\u001e");

    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        var database = app.Configuration["Baseline:Database"];
        var pragma = $"PRAGMA synchronous={(app.Configuration["Baseline:Synchronous"] == "NORMAL" ? "NORMAL" : "FULL")};";
        await using var postgres = app.Configuration["Baseline:Postgres"] is { } postgresConnection
            ? NpgsqlDataSource.Create(postgresConnection)
            : null;
        var users = new ConcurrentDictionary<int, List<WebSocket>>();

        app.UseWebSockets();
        app.MapGet("/health", () => TypedResults.Ok("Healthy"));
        app.MapPost("/sessions/{id:long}/actions/{action}", async (long id, string action, CancellationToken ct) =>
        {
            long? started = action == "start" ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : null;
            var version = postgres is null
                ? await UpdateSqliteAsync(database, pragma, id, started, ct)
                : await UpdatePostgresAsync(postgres, id, started, ct);
            return version is not null ? Results.Ok(new { id, version }) : Results.NotFound();
        });
        app.Map("/ws", async (HttpContext context, int user) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return Results.BadRequest();
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var group = users.GetOrAdd(user, _ => []);
            lock (group)
            {
                group.Add(socket);
            }

            try
            {
                await EchoToGroupAsync(socket, group, context.RequestAborted);
            }
            finally
            {
                lock (group)
                {
                    group.Remove(socket);
                }
            }

            return Results.Empty;
        });
        app.MapPost("/fanout/{user:int}", async (int user, CancellationToken ct) =>
        {
            foreach (var socket in Snapshot(users.GetOrAdd(user, _ => [])))
            {
                await socket.SendAsync(EventFrame, WebSocketMessageType.Text, true, ct);
            }

            return Results.NoContent();
        });
        await app.RunAsync();
    }

    private static async Task<long?> UpdateSqliteAsync(string? database, string pragma, long id, long? started, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync(cancellationToken);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = pragma;
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE Sessions SET RunStartedAtMs = $started, Version = Version + 1 WHERE Id = $id RETURNING Version";
        update.Parameters.AddWithValue("$started", (object?)started ?? DBNull.Value);
        update.Parameters.AddWithValue("$id", id);
        return await update.ExecuteScalarAsync(cancellationToken) as long?;
    }

    private static async Task<long?> UpdatePostgresAsync(NpgsqlDataSource postgres, long id, long? started, CancellationToken cancellationToken)
    {
        await using var update = postgres.CreateCommand(
            "UPDATE \"Sessions\" SET \"RunStartedAtMs\" = $1, \"Version\" = \"Version\" + 1 WHERE \"Id\" = $2 RETURNING \"Version\"");
        update.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = started, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return await update.ExecuteScalarAsync(cancellationToken) as long?;
    }

    private static async Task EchoToGroupAsync(WebSocket socket, List<WebSocket> group, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }

                foreach (var member in Snapshot(group))
                {
                    await member.SendAsync(buffer.AsMemory(0, result.Count), WebSocketMessageType.Text, true, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }

    private static WebSocket[] Snapshot(List<WebSocket> group)
    {
        lock (group)
        {
            return [.. group];
        }
    }
}
