using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FocusSync.Api.Data.Migrations.Sqlite
{
    /// <summary>
    /// The instants timed actions are floored by (SPEC section 7), and idempotency records for every session command.
    /// Backfill: a user's DayStartMs is their current day's end, which is later than every change committed before
    /// this migration (a commit always leaves the day ending after it); until that boundary is performed, every timed
    /// action of theirs therefore applies at the moment it arrives, and once it is, every earlier change lies before the
    /// new DayStartMs, which every floor includes. So the other instants may start at 0, and a session's last change at
    /// its creation. The existing records are creations: their result is wrapped as the session commands store it.
    /// </summary>
    public partial class TimedActions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var column in new[] { "DayStartMs", "ResetAllAtMs", "RunChangedAtMs", "SettingsChangedAtMs" })
            {
                migrationBuilder.AddColumn<long>(
                    name: column,
                    table: "Users",
                    type: "INTEGER",
                    nullable: false,
                    defaultValue: 0L);
            }

            migrationBuilder.AddColumn<long>(
                name: "ChangedAtMs",
                table: "Sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.DropColumn(
                name: "SessionId",
                table: "IdempotentRequests");

            migrationBuilder.AddColumn<string>(
                name: "Operation",
                table: "IdempotentRequests",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "create");

            migrationBuilder.AddColumn<int>(
                name: "Status",
                table: "IdempotentRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 201);

            migrationBuilder.Sql("UPDATE \"Users\" SET \"DayStartMs\" = \"DayEndMs\"");
            migrationBuilder.Sql("UPDATE \"Sessions\" SET \"ChangedAtMs\" = \"CreatedAtMs\"");
            migrationBuilder.Sql("UPDATE \"IdempotentRequests\" SET \"ResponseJson\" = '{\"session\":' || \"ResponseJson\" || '}'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Records of anything but a creation cannot go back to the old shape; they only make retries safe, so they go.
            migrationBuilder.Sql("DELETE FROM \"IdempotentRequests\" WHERE \"Operation\" <> 'create' OR \"Status\" <> 201");
            migrationBuilder.Sql(
                "UPDATE \"IdempotentRequests\" SET \"ResponseJson\" = substr(\"ResponseJson\", 12, length(\"ResponseJson\") - 12)");

            foreach (var column in new[] { "DayStartMs", "ResetAllAtMs", "RunChangedAtMs", "SettingsChangedAtMs" })
            {
                migrationBuilder.DropColumn(
                    name: column,
                    table: "Users");
            }

            migrationBuilder.DropColumn(
                name: "ChangedAtMs",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "Operation",
                table: "IdempotentRequests");

            migrationBuilder.DropColumn(
                name: "Status",
                table: "IdempotentRequests");

            migrationBuilder.AddColumn<long>(
                name: "SessionId",
                table: "IdempotentRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.Sql(
                "UPDATE \"IdempotentRequests\" SET \"SessionId\" = CAST(json_extract(\"ResponseJson\", '$.id') AS INTEGER)");
        }
    }
}
