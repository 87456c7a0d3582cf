using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FocusSync.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IdempotencyExpiryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_IdempotentRequests_CreatedAtMs",
                table: "IdempotentRequests",
                column: "CreatedAtMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_IdempotentRequests_CreatedAtMs",
                table: "IdempotentRequests");
        }
    }
}
