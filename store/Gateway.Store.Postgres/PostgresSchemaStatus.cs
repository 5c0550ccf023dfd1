namespace Gateway.Store.Postgres;

/// <summary>Where the database's schema stands against the binary's migrations.</summary>
/// <param name="CurrentVersion">The highest version recorded in <c>schema_migrations</c> (0: none).</param>
/// <param name="LatestVersion">The highest version this binary knows.</param>
/// <param name="Pending">The known migrations not applied yet, in order.</param>
public sealed record PostgresSchemaStatus(int CurrentVersion, int LatestVersion, IReadOnlyList<PostgresMigration> Pending)
{
    /// <summary>The database was migrated by a newer binary: this one must not run against it.</summary>
    public bool IsNewerThanBinary => CurrentVersion > LatestVersion;
}
