using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>audit retire-partition</c>: retention of the PostgreSQL journal by whole daily partitions, straight against the
/// database as the schema's owner (like <c>db migrate</c>): exported first, then detached and dropped (<see cref="AuditPartitionRetirement"/>).
/// </summary>
internal static class AuditPartitionCommands
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var before = new Option<string>("--before") { Description = "Retire the partitions that ended at or before this ISO 8601 time (UTC day boundaries)", Required = true };
        var exportDirectory = new Option<string>("--export-dir") { Description = "Where the exports go: <dir>/<partition>/<tenant>.jsonl", Required = true };
        var keep = new Option<bool>("--keep-detached") { Description = "Detach each retired partition but keep it as a table of its own (default: drop it)" };
        var file = DbCommands.ConnectionFileOption();
        var command = new Command("retire-partition", $"""
            Retire the PostgreSQL journal's oldest daily partitions, export first: each partition that ended at or before
            --before, oldest first, is written per tenant in the export format (`gatewayctl audit verify --file` checks each
            file offline), fsynced, and only then detached and dropped; each chain's anchor moves to its last retired record,
            so the journal still verifies from there. A partition whose records do not verify from their chain's anchor (a record
            edited, deleted or moved: `audit verify` names it) is refused, and the database refuses one that changed since its
            export, that is not the next records of every chain in it, or that still takes records; nothing of it changes then.
            As the schema's owner: the connection string comes from --connection-string-file or the gateway's own environment
            values {DbCommands.ConnectionStringVariable} / {DbCommands.ConnectionStringFileVariable}.
            Exit 0 retired (or nothing to retire), 2 a partition refused (the ones before it stay retired), 6 invalid input
            or an export that could not be written, 7 the database could not be reached.
            Example:
              gatewayctl audit retire-partition --before 2026-08-01 --export-dir /archive/audit
            """) { before, exportDirectory, keep, file };
        command.SetAction((parse, ct) => RunAsync(
            new PolicyCommandContext(options, console, parse), parse.GetValue(before)!, parse.GetValue(exportDirectory)!, !parse.GetValue(keep), parse.GetValue(file), ct));
        return command;
    }

    private static async Task<int> RunAsync(PolicyCommandContext context, string before, string directory, bool drop, string? file, CancellationToken cancellationToken)
    {
        if (!DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var cut))
        {
            return context.Invalid("--before must be an ISO 8601 time");
        }

        await using var database = DbCommands.OpenDatabase(context, file, out var invalid);
        if (database is null)
        {
            return invalid;
        }

        var exports = Path.GetFullPath(directory, context.Console.WorkingDirectory ?? Environment.CurrentDirectory);
        var retired = new JsonArray();
        try
        {
            await new AuditPartitionRetirement(new PostgresAuditPartitions(database)).RetireAsync(cut, exports, drop, done =>
            {
                context.Line(string.Create(CultureInfo.InvariantCulture, $"retired {done.Partition.Name}: {done.Records} records of {done.Tenants} tenants, exported to {Path.Combine(exports, done.Partition.Name)}"));
                retired.Add(new JsonObject
                {
                    ["partition"] = done.Partition.Name,
                    ["from"] = done.Partition.Lower?.ToString("O", CultureInfo.InvariantCulture),
                    ["to"] = done.Partition.Upper.ToString("O", CultureInfo.InvariantCulture),
                    ["records"] = done.Records,
                    ["files"] = new JsonArray([.. done.Files.Select(static f => (JsonNode)f)]),
                });
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is PostgresException { SqlState: PostgresAuditPartitions.RefusedState } or AuditPartitionChainBrokenException)
        {
            var message = ex is PostgresException refused ? refused.MessageText : ex.Message;
            context.Document(new JsonObject { ["ok"] = false, ["retired"] = retired, ["error"] = "not_retirable", ["message"] = message });
            await context.Console.Error.WriteLineAsync("error: not_retirable: " + message);
            return ExitCodes.VerificationFailed;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            context.Document(new JsonObject { ["ok"] = false, ["retired"] = retired, ["error"] = "export_failed", ["message"] = ex.Message });
            await context.Console.Error.WriteLineAsync("error: export_failed: nothing more was retired: " + ex.Message);
            return ExitCodes.InvalidInput;
        }
        catch (Exception ex) when (DbCommands.IsUnreachable(ex))
        {
            return await DbCommands.UnreachableAsync(context, ex);
        }

        if (retired.Count == 0)
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"no partition ended at or before {cut:O}: nothing to retire"));
        }

        context.Document(new JsonObject { ["ok"] = true, ["retired"] = retired });
        return ExitCodes.Success;
    }
}
