namespace FocusSync.Timekeeping;

/// <summary>
/// A group of sessions as the rules see it: what its owner calls it. The service's group row extends this class
/// and stores each property as a column.
/// </summary>
public class SessionGroup
{
    public long Id { get; init; }
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
}
