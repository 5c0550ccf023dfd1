using System.CommandLine;
using System.Globalization;
using Gateway.Policy.Evidence;
using Gateway.Policy.Tokens;
using Gateway.Store;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>keys init|rotate|revoke|list --file</c>: the receipt signing key ring (ES256 keys that sign decision receipts and
/// audit checkpoints), a local file the gateway reads at start-up (<c>Gateway:Receipts:KeyRingFile</c>). Rotation adds a
/// new active key and keeps the old ones' public keys only, so what they signed still verifies; revocation removes a
/// retired key (one that leaked), so nothing it signed verifies any more; and <c>keys webhook --tenant</c>, a tenant's
/// webhook key (docs/connectors.md, "webhook"). No gateway needed.
/// </summary>
internal static class KeysCommands
{
    private const string ServiceKeyVariable = "GATEWAY_SERVICE_KEY";

    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("keys", "The receipt signing key ring (docs/evidence.md) and tenants' webhook keys");

        var initFile = RingFile();
        var init = new Command("init", "Write a new ring with one active key (mode 0600); refuses to overwrite a ring") { initFile };
        init.SetAction(async (parse, _) =>
        {
            var path = Resolve(runtime, parse.GetValue(initFile)!);
            if (File.Exists(path))
            {
                return await FailAsync(runtime, $"{path} exists; use 'keys rotate' to add a key");
            }

            var ring = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow);
            PrivateFiles.WriteAllText(path, ring.ToPrivateJson());
            await runtime.Console.Out.WriteLineAsync($"Receipt key ring {path}: active key {ring.Active.KeyId}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(init);

        var rotateFile = RingFile();
        var rotate = new Command("rotate", "Add a new active key; the previous one is retired (its public key stays in the JWKS, its private key is dropped). Restart or roll the gateways to sign with it") { rotateFile };
        rotate.SetAction(async (parse, _) =>
        {
            var path = Resolve(runtime, parse.GetValue(rotateFile)!);
            if (await ReadAsync(runtime, path) is not { } ring)
            {
                return ExitCodes.InvalidInput;
            }

            var rotated = ring.Rotate(DateTimeOffset.UtcNow);
            PrivateFiles.WriteAllText(path, rotated.ToPrivateJson());
            await runtime.Console.Out.WriteLineAsync($"Receipt key ring {path}: active key {rotated.Active.KeyId}, retired {ring.Active.KeyId}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(rotate);
        command.Subcommands.Add(Revoke(runtime));

        var listFile = RingFile();
        var jwks = new Option<bool>("--jwks") { Description = "Print the public JWKS (what /.well-known/gamut-receipt-keys.json serves) instead" };
        var list = new Command("list", "Each key's kid, status and creation time (never a private key)") { listFile, jwks };
        list.SetAction(async (parse, _) =>
        {
            if (await ReadAsync(runtime, Resolve(runtime, parse.GetValue(listFile)!)) is not { } ring)
            {
                return ExitCodes.InvalidInput;
            }

            if (parse.GetValue(jwks) || parse.GetValue(runtime.Options.Json))
            {
                await runtime.Console.Out.WriteLineAsync(ring.ToJwks());
                return ExitCodes.Success;
            }

            foreach (var key in ring.Keys)
            {
                await runtime.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{key.KeyId}  {(key.Retired ? "retired" : "active ")}  ES256  created {key.Created:O}"));
            }

            return ExitCodes.Success;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(Webhook(runtime));
        return command;
    }

    // keys revoke --file RING --kid KID: removes a retired key (one that leaked) from the ring, so it leaves the JWKS.
    private static Command Revoke(CliRuntime runtime)
    {
        var file = RingFile();
        var kid = new Option<string>("--kid") { Description = "The retired key to remove (its kid, as 'keys list' prints it)", Required = true };
        var revoke = new Command("revoke", "Remove a retired key (one that leaked) from the ring: it leaves the JWKS and nothing it signed verifies any more. Refuses the active key (rotate first). Roll the gateways afterwards") { file, kid };
        revoke.SetAction(async (parse, _) =>
        {
            var path = Resolve(runtime, parse.GetValue(file)!);
            var keyId = parse.GetValue(kid)!;
            if (await ReadAsync(runtime, path) is not { } ring)
            {
                return ExitCodes.InvalidInput;
            }

            ReceiptKeyRing revoked;
            try
            {
                revoked = ring.Revoke(keyId);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
            {
                return await FailAsync(runtime, $"{path}: {ex.Message}");
            }

            PrivateFiles.WriteAllText(path, revoked.ToPrivateJson());
            await runtime.Console.Out.WriteLineAsync($"Receipt key ring {path}: revoked {keyId}; roll the gateways: their JWKS then no longer lists it, and nothing it signed verifies");
            return ExitCodes.Success;
        });
        return revoke;
    }

    // keys webhook --tenant T: the key a tenant's webhook receivers verify the gateway's calls with, from GATEWAY_SERVICE_KEY.
    private static Command Webhook(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var webhook = new Command("webhook", $"Print (base64) the key a tenant's webhook receivers verify the gateway's calls with, derived from env {ServiceKeyVariable}") { tenant };
        webhook.SetAction(async (parse, _) =>
        {
            if (KeyText.Parse(runtime.Console.GetEnvironmentVariable(ServiceKeyVariable)) is not { } serviceKey)
            {
                return await FailAsync(runtime, $"{ServiceKeyVariable} must hold the gateway's service key (base64 or hex of at least {KeyText.MinimumBytes} bytes)");
            }

            await runtime.Console.Out.WriteLineAsync(Convert.ToBase64String(WebhookKey.ForTenant(serviceKey, parse.GetValue(tenant)!)));
            return ExitCodes.Success;
        });
        return webhook;
    }

    private static Option<string> RingFile() => new("--file") { Description = "The ring file (a secret: mode 0600)", Required = true };

    private static string Resolve(CliRuntime runtime, string path) => Path.GetFullPath(path, runtime.Console.WorkingDirectory ?? Environment.CurrentDirectory);

    private static async Task<ReceiptKeyRing?> ReadAsync(CliRuntime runtime, string path)
    {
        try
        {
            return ReceiptKeyRing.Parse(await File.ReadAllTextAsync(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            await FailAsync(runtime, $"cannot read the ring {path}: {ex.Message}");
            return null;
        }
    }

    private static async Task<int> FailAsync(CliRuntime runtime, string message)
    {
        await runtime.Console.Error.WriteLineAsync("error: invalid_input: " + message);
        return ExitCodes.InvalidInput;
    }
}
