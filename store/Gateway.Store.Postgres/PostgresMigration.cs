using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Store.Postgres;

/// <summary>
/// One forward-only schema step: the embedded resource <c>Migrations/NNNN_name.sql</c>, applied once in
/// its own transaction and recorded in <c>schema_migrations</c> with its SHA-256 (a script edited after
/// it was applied is refused).
/// </summary>
public sealed record PostgresMigration(int Version, string Name, string Sql)
{
    private const string ResourcePrefix = "Gateway.Store.Postgres.Migrations.";

    /// <summary>Lowercase hex SHA-256 of the script.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>Every migration embedded in this assembly, in version order (a duplicate version throws).</summary>
    public static IReadOnlyList<PostgresMigration> Embedded { get; } = Load(typeof(PostgresMigration).Assembly);

    internal static IReadOnlyList<PostgresMigration> Load(Assembly assembly)
    {
        var migrations = new List<PostgresMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var file = resource[ResourcePrefix.Length..^4];
            var separator = file.IndexOf('_', StringComparison.Ordinal);
            if (separator != 4 || !int.TryParse(file.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version == 0)
            {
                throw new InvalidOperationException($"Migration resource '{resource}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new PostgresMigration(version, file[(separator + 1)..], reader.ReadToEnd()));
        }

        migrations.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations share version {migrations[i].Version:D4}.");
            }
        }

        return migrations;
    }
}
