namespace Gateway.Store.Postgres;

/// <summary>The database's schema is not one this binary can run against (newer, older without migration, or an applied script changed).</summary>
public sealed class PostgresSchemaException : Exception
{
    public PostgresSchemaException()
    {
    }

    public PostgresSchemaException(string message)
        : base(message)
    {
    }

    public PostgresSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
