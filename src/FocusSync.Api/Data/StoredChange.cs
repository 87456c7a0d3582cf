using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FocusSync.Api.Data;

/// <summary>
/// One change event as the hub sent it, committed in the transaction of the change it describes, so that
/// <c>GET /changes</c> can replay it; pruned after <c>Changes:Retention</c>.
/// </summary>
public sealed class StoredChange
{
    public required string UserId { get; init; }
    public long Seq { get; init; }
    public long CreatedAtMs { get; init; }

    /// <summary>The event's JSON, byte for byte the argument of the hub's <c>event</c> call.</summary>
    public required string Json { get; init; }
}

public sealed class StoredChangeConfiguration : IEntityTypeConfiguration<StoredChange>
{
    public void Configure(EntityTypeBuilder<StoredChange> builder)
    {
        builder.ToTable("StoredChanges");
        builder.HasKey(c => new { c.UserId, c.Seq });
        builder.HasIndex(c => c.CreatedAtMs);
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
