using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FocusSync.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CoveringReportIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TaskDailyTimes_UserId_Date_SessionId",
                table: "TaskDailyTimes");

            migrationBuilder.CreateIndex(
                name: "IX_TaskDailyTimes_UserId_Date_SessionId_MsSpent_GoalMinutes",
                table: "TaskDailyTimes",
                columns: new[] { "UserId", "Date", "SessionId", "MsSpent", "GoalMinutes" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TaskDailyTimes_UserId_Date_SessionId_MsSpent_GoalMinutes",
                table: "TaskDailyTimes");

            migrationBuilder.CreateIndex(
                name: "IX_TaskDailyTimes_UserId_Date_SessionId",
                table: "TaskDailyTimes",
                columns: new[] { "UserId", "Date", "SessionId" });
        }
    }
}
