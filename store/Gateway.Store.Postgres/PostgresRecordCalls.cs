using System.Text.Json;
using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// How the record stores (approvals, incidents, credentials, admin tokens) run their work: one tenant-scoped
/// transaction (or, for what is not tenant data, an unscoped one) committed on success, and every database
/// failure turned into <see cref="StateStoreUnavailableException"/>, which callers already refuse on (fail closed).
/// </summary>
public static class PostgresRecordCalls
{
    /// <summary>Runs <paramref name="work"/> in a transaction scoped to <paramref name="tenant"/> (null: no tenant) and commits it.</summary>
    public static async ValueTask<T> InTransactionAsync<T>(PostgresDatabase database, string? tenant, Func<PostgresScope, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = tenant is null
                ? await database.OpenAsync(cancellationToken).ConfigureAwait(false)
                : await database.OpenTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
            var result = await work(scope).ConfigureAwait(false);
            await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (NpgsqlException ex)
        {
            throw new StateStoreUnavailableException("PostgreSQL could not serve the call.", ex);
        }
        catch (TimeoutException ex)
        {
            throw new StateStoreUnavailableException("PostgreSQL did not answer in time.", ex);
        }
    }

    /// <summary>A command in the scope with positional parameters (<c>$1</c>, <c>$2</c>, …); null values are sent as NULL.</summary>
    public static NpgsqlCommand Command(this PostgresScope scope, string sql, params object?[] values)
    {
        var command = scope.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>The first column of every row, as strings.</summary>
    public static async ValueTask<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>A text column holding JSON, parsed; null for NULL.</summary>
    public static JsonElement? ReadJson(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        using var parsed = JsonDocument.Parse(reader.GetString(ordinal));
        return parsed.RootElement.Clone();
    }
}
