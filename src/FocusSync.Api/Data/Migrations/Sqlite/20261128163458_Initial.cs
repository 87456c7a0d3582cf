using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FocusSync.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Users",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    CreatedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ResetTime = table.Column<string>(type: "TEXT", maxLength: 5, nullable: false),
                    WeekStart = table.Column<string>(type: "TEXT", maxLength: 9, nullable: false),
                    SingleRunning = table.Column<bool>(type: "INTEGER", nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    DayEndMs = table.Column<long>(type: "INTEGER", nullable: false),
                    NextDueMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Groups",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Groups", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Groups_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "IdempotentRequests",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    BodyHash = table.Column<string>(type: "TEXT", nullable: false),
                    SessionId = table.Column<long>(type: "INTEGER", nullable: false),
                    ResponseJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdempotentRequests", x => new { x.UserId, x.Key });
                    table.ForeignKey(
                        name: "FK_IdempotentRequests_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Sessions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    GroupId = table.Column<long>(type: "INTEGER", nullable: true),
                    NoGoal = table.Column<bool>(type: "INTEGER", nullable: false),
                    InitialDurationSec = table.Column<int>(type: "INTEGER", nullable: true),
                    DailyGoalMinutes = table.Column<int>(type: "INTEGER", nullable: true),
                    TimeLeftMs = table.Column<long>(type: "INTEGER", nullable: true),
                    TargetMs = table.Column<long>(type: "INTEGER", nullable: true),
                    RunStartedAtMs = table.Column<long>(type: "INTEGER", nullable: true),
                    IsCompleted = table.Column<bool>(type: "INTEGER", nullable: false),
                    FocusMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletedAtMs = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sessions", x => x.Id);
                    table.CheckConstraint("CK_Sessions_FocusMs", "\"FocusMs\" >= 0");
                    table.CheckConstraint("CK_Sessions_Goal", "(\"NoGoal\" AND \"InitialDurationSec\" IS NULL AND \"DailyGoalMinutes\" IS NULL AND \"TimeLeftMs\" IS NULL AND \"TargetMs\" IS NULL) OR (NOT \"NoGoal\" AND \"InitialDurationSec\" BETWEEN 1 AND 86400 AND \"DailyGoalMinutes\" BETWEEN 1 AND 1440 AND \"TimeLeftMs\" >= 0)");
                    table.CheckConstraint("CK_Sessions_Running", "(\"RunStartedAtMs\" IS NULL AND \"TargetMs\" IS NULL) OR (\"RunStartedAtMs\" IS NOT NULL AND \"DeletedAtMs\" IS NULL)");
                    table.ForeignKey(
                        name: "FK_Sessions_Groups_GroupId",
                        column: x => x.GroupId,
                        principalTable: "Groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Sessions_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TaskDailyTimes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    SessionId = table.Column<long>(type: "INTEGER", nullable: false),
                    Date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    MsSpent = table.Column<long>(type: "INTEGER", nullable: false),
                    GoalMinutes = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TaskDailyTimes", x => x.Id);
                    table.CheckConstraint("CK_TaskDailyTimes_MsSpent", "\"MsSpent\" >= 0");
                    table.ForeignKey(
                        name: "FK_TaskDailyTimes_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_TaskDailyTimes_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Groups_UserId",
                table: "Groups",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_GroupId",
                table: "Sessions",
                column: "GroupId");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_UserId_DeletedAtMs",
                table: "Sessions",
                columns: new[] { "UserId", "DeletedAtMs" });

            migrationBuilder.CreateIndex(
                name: "IX_TaskDailyTimes_SessionId_Date",
                table: "TaskDailyTimes",
                columns: new[] { "SessionId", "Date" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TaskDailyTimes_UserId_Date_SessionId",
                table: "TaskDailyTimes",
                columns: new[] { "UserId", "Date", "SessionId" });

            migrationBuilder.CreateIndex(
                name: "IX_Users_NextDueMs",
                table: "Users",
                column: "NextDueMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IdempotentRequests");

            migrationBuilder.DropTable(
                name: "TaskDailyTimes");

            migrationBuilder.DropTable(
                name: "Sessions");

            migrationBuilder.DropTable(
                name: "Groups");

            migrationBuilder.DropTable(
                name: "Users");
        }
    }
}
