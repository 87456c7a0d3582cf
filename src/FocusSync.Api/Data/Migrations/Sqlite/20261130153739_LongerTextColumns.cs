using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FocusSync.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LongerTextColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SQLite does not enforce text lengths: only the model changes.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
