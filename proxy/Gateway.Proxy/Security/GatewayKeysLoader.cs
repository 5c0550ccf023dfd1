using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Policy.Tokens;

namespace Gateway.Proxy.Security;

/// <summary>
/// Loads <see cref="GatewayKeys"/> at start-up and refuses to start when they are unsafe. Outside
/// Development every key is required. In Development, a missing key is generated once and kept in
/// <c>.gateway-data/dev-keys.json</c> (mode 0600, git-ignored) so that <c>make run</c> works with no
/// set-up and the embedded vault still decrypts after a restart.
/// </summary>
internal static class GatewayKeysLoader
{
    public static GatewayKeys Load(IConfiguration configuration, IHostEnvironment environment, string dataDirectory)
    {
        var development = environment.IsDevelopment();
        var configuredKeys = configuration.Get<GatewayKeyOptions>() ?? new GatewayKeyOptions();
        var errors = new List<string>();
        var generated = false;
        Dictionary<string, string>? devKeys = null;

        string? Value(string name)
        {
            var configured = configuredKeys.ValueOf(name);
            if (!string.IsNullOrWhiteSpace(configured) || !development)
            {
                return configured;
            }

            devKeys ??= LoadOrCreateDevKeys(dataDirectory);
            generated = true;
            return devKeys[name];
        }

        EncryptionKeyRing? ring = null;
        try
        {
            var dataKeyText = Value(DataEncryptionKey.EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(dataKeyText))
            {
                errors.Add($"{DataEncryptionKey.EnvironmentVariable} is required outside Development (base64 or hex of 32 bytes).");
            }
            else
            {
                ring = EncryptionKeyRing.FromEnvironment(name => name == DataEncryptionKey.EnvironmentVariable ? dataKeyText : configuredKeys.ValueOf(name));
            }
        }
        catch (FormatException ex)
        {
            errors.Add(ex.Message);
        }

        var signing = ParseKey(Value(GatewayKeys.DecisionSigningKeyVariable), GatewayKeys.DecisionSigningKeyVariable, errors);
        var service = ParseKey(Value(GatewayKeys.ServiceKeyVariable), GatewayKeys.ServiceKeyVariable, errors);
        if (errors.Count > 0 || ring is null)
        {
            throw new InvalidOperationException("The gateway's keys are not usable:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        KeySeparationCheck.Ensure(ring, signing, service);
        EncryptionSelfTest.Run(ring);
        return new GatewayKeys(ring, signing, service, generated);
    }

    private static byte[] ParseKey(string? text, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{name} is required outside Development (base64 or hex, at least 32 bytes).");
            return [];
        }

        if (KeyText.Parse(text) is not { } key)
        {
            errors.Add($"{name} must be base64 or hex of at least 32 bytes.");
            return [];
        }

        return key;
    }

    private static Dictionary<string, string> LoadOrCreateDevKeys(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "dev-keys.json");
        if (File.Exists(path))
        {
            var existing = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
            if (existing is not null && existing.ContainsKey(DataEncryptionKey.EnvironmentVariable)
                && existing.ContainsKey(GatewayKeys.DecisionSigningKeyVariable) && existing.ContainsKey(GatewayKeys.ServiceKeyVariable))
            {
                return existing;
            }
        }

        var keys = new Dictionary<string, string>
        {
            [DataEncryptionKey.EnvironmentVariable] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [GatewayKeys.DecisionSigningKeyVariable] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [GatewayKeys.ServiceKeyVariable] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        // A new temporary file created 0600 before the keys are in it, renamed over dev-keys.json (its directory 0700).
        Gateway.Store.PrivateFiles.WriteAllText(path, JsonSerializer.Serialize(keys));
        return keys;
    }
}
