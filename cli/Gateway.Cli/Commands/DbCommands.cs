using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Cli.Commands;

/// <summary><c>db migrate|status</c>: the PostgreSQL schema, straight against the database (not over the admin API).</summary>
internal static class DbCommands
{
    /// <summary>The environment values the gateway itself reads (<c>Gateway:Store:Postgres:*</c>).</summary>
    public const string ConnectionStringVariable = "Gateway__Store__Postgres__ConnectionString";

    public const string ConnectionStringFileVariable = "Gateway__Store__Postgres__ConnectionStringFile";

    public const string PasswordFileVariable = "Gateway__Store__Postgres__PasswordFile";

    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var command = new Command("db", "The PostgreSQL system of record's schema");

        var migrateFile = ConnectionFileOption();
        var migrate = new Command("migrate", $"""
            Apply the pending forward-only migrations under the advisory lock (safe while replicas start), as the schema's owner.
            The connection string comes from --connection-string-file or the gateway's own environment values
            {ConnectionStringVariable} / {ConnectionStringFileVariable}, the password from {PasswordFileVariable} when set
            (never from an argument: it holds a password).
            Exit 0 applied or already current, 2 the schema is newer than this tool (or an applied script changed),
            6 no or an invalid connection string, 7 the database could not be reached.
            Example:
              Gateway__Store__Postgres__ConnectionStringFile=/run/secrets/pg gatewayctl db migrate
            """) { migrateFile };
        migrate.SetAction((parse, ct) => RunAsync(new PolicyCommandContext(options, console, parse), parse.GetValue(migrateFile), migrate: true, ct));
        command.Subcommands.Add(migrate);

        var statusFile = ConnectionFileOption();
        var status = new Command("status", "Print the schema's version against this tool's; exit 0 current, 2 pending or newer, 6 invalid input, 7 unreachable") { statusFile };
        status.SetAction((parse, ct) => RunAsync(new PolicyCommandContext(options, console, parse), parse.GetValue(statusFile), migrate: false, ct));
        command.Subcommands.Add(status);
        return command;
    }

    /// <summary>The option naming a file that holds the connection string (the commands that go straight to the database).</summary>
    internal static Option<string?> ConnectionFileOption() =>
        new("--connection-string-file") { Description = "A file holding the connection string (a mounted secret)" };

    /// <summary>
    /// The database as the schema's owner, from <paramref name="file"/> or the gateway's own environment values (never an
    /// argument: the connection string holds a password); null when they are missing or invalid (reported, exit 6 in
    /// <paramref name="exitCode"/>).
    /// </summary>
    internal static PostgresDatabase? OpenDatabase(PolicyCommandContext context, string? file, out int exitCode)
    {
        var env = context.Console.GetEnvironmentVariable;
        var settings = (file is not null
            ? new PostgresStoreOptions { ConnectionStringFile = file }
            : new PostgresStoreOptions { ConnectionString = env(ConnectionStringVariable), ConnectionStringFile = env(ConnectionStringFileVariable) })
            with { PasswordFile = env(PasswordFileVariable) };
        var errors = settings.Validate();
        exitCode = errors.Count > 0 ? context.Invalid("PostgreSQL connection: " + string.Join(" ", errors)) : ExitCodes.Success;
        return errors.Count > 0 ? null : PostgresDatabase.Create(settings with { CommandTimeout = TimeSpan.FromMinutes(5) });
    }

    /// <summary>Whether a failure means the database could not be reached (not a refusal it answered with).</summary>
    internal static bool IsUnreachable(Exception ex) => ex is NpgsqlException or SocketException or TimeoutException && ex is not PostgresException;

    /// <summary>Reports that the database could not be reached; exit 7.</summary>
    internal static async Task<int> UnreachableAsync(PolicyCommandContext context, Exception ex)
    {
        context.Document(new JsonObject { ["ok"] = false, ["error"] = "unreachable", ["message"] = "the database could not be reached" });
        await context.Console.Error.WriteLineAsync("error: unreachable: the database could not be reached (" + ex.GetType().Name + ")");
        return ExitCodes.Unreachable;
    }

    private static async Task<int> RunAsync(PolicyCommandContext context, string? file, bool migrate, CancellationToken cancellationToken)
    {
        await using var database = OpenDatabase(context, file, out var invalid);
        if (database is null)
        {
            return invalid;
        }

        var migrator = new PostgresMigrator(database);
        try
        {
            var applied = migrate ? await migrator.MigrateAsync(cancellationToken) : [];
            var state = await migrator.GetStatusAsync(cancellationToken);
            foreach (var migration in applied)
            {
                context.Line($"applied {migration.Version:D4}_{migration.Name}");
            }

            var current = state.Pending.Count == 0 && !state.IsNewerThanBinary;
            context.Line(state.IsNewerThanBinary
                ? $"schema version {state.CurrentVersion} is NEWER than this tool's {state.LatestVersion}"
                : $"schema version {state.CurrentVersion} of {state.LatestVersion}{(current ? " (current)" : $", {state.Pending.Count} pending: run gatewayctl db migrate")}");
            context.Document(new JsonObject
            {
                ["ok"] = current,
                ["version"] = state.CurrentVersion,
                ["latest"] = state.LatestVersion,
                ["applied"] = new JsonArray([.. applied.Select(static m => (JsonNode)$"{m.Version:D4}_{m.Name}")]),
                ["pending"] = new JsonArray([.. state.Pending.Select(static m => (JsonNode)$"{m.Version:D4}_{m.Name}")]),
            });
            return current ? ExitCodes.Success : ExitCodes.VerificationFailed;
        }
        catch (PostgresSchemaException ex)
        {
            context.Document(new JsonObject { ["ok"] = false, ["error"] = "schema_mismatch", ["message"] = ex.Message });
            await context.Console.Error.WriteLineAsync("error: schema_mismatch: " + ex.Message);
            return ExitCodes.VerificationFailed;
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            return await UnreachableAsync(context, ex);
        }
    }
}
