using System.ComponentModel;
using System.Reflection;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Configuration;

/// <summary>
/// A <c>Gateway:*</c> key that no options class binds (a misspelling that would leave a protection off) stops the start,
/// naming the key; every key the options classes bind, per-tenant maps' included, and every key the chart sets still starts.
/// </summary>
public sealed partial class GatewayConfigurationKeysTests : IDisposable
{
    // Keys GatewayHost sets itself (its own values must stand) or whose class default is not the gateway's start-up default
    // (ApplyDefaults picks the audit sink and the directories from the data directory when they are unset).
    private static readonly string[] HostOwned =
    [
        "Gateway:Policy:BundlePath", "Gateway:Receipts:AllowEphemeralKeys", "Gateway:Audit:ChainsPerReplica", "Gateway:NativeHeap:TrimInterval",
        "Gateway:DataDirectory", "Gateway:Audit:Sink", "Gateway:Audit:Directory",
    ];

    private readonly DemoBundle _bundle = DemoBundle.Create();

    public void Dispose() => _bundle.Dispose();

    [Fact]
    public async Task Start_UnknownKeyUnderGateway_RefusesToStartNamingIt()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?>
        {
            ["Gateway:Credentials:EnvironmentPerTennant"] = "true",
        }));

        Assert.Contains("Gateway:Credentials:EnvironmentPerTennant is not a gateway setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("(did you mean Gateway:Credentials:EnvironmentPerTenant?", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway__Credentials__EnvironmentPerTennant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownKeysOfProtections_RefusesToStartNamingEach()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?>
        {
            ["Gateway:Store:Redis:Ssl"] = "true",
            ["Gateway:Authentication:MaxClockSkw"] = "00:00:30",
            ["Gateway:Notifications:Tenants:demo:WebhookUrll"] = "https://chat.example.com/hook",
            ["Gateway:ForwardedHeaders:KnownProxies:0:Address"] = "192.0.2.10",
        }));

        Assert.Equal(
            ["Gateway:Authentication:MaxClockSkw", "Gateway:ForwardedHeaders:KnownProxies:0:Address", "Gateway:Notifications:Tenants:demo:WebhookUrll", "Gateway:Store:Redis:Ssl"],
            error.Failures.Select(static f => f.Split(' ')[0]));
        Assert.Contains("(did you mean Gateway:Authentication:MaxClockSkew?", error.Message, StringComparison.Ordinal);
        Assert.Contains("(did you mean Gateway:Notifications:Tenants:demo:WebhookUrl?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KnownKeysOfEveryOptionsClass_Start()
    {
        // The classes whose settings are all unset by default get one each.
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Gateway:Server:InlineScheduling"] = "false",
            ["Gateway:Metrics:CardinalityLimit"] = "2000",
        };
        foreach (var (section, options) in GatewayConfigurationKeys.Bindings)
        {
            foreach (var (key, value) in Defaults(options, section).Where(static d => !HostOwned.Contains(d.Key, StringComparer.OrdinalIgnoreCase)))
            {
                settings.TryAdd(key, value);
            }
        }

        // Every class is represented, and the keys are written in lower case: configuration keys are case-insensitive.
        Assert.All(GatewayConfigurationKeys.Bindings, b => Assert.Contains(settings.Keys.Concat(HostOwned), k => k.StartsWith(b.Section + ":", StringComparison.OrdinalIgnoreCase)));
        await using var gateway = await GatewayHost.StartAsync(_bundle.Directory, settings.ToDictionary(static p => p.Key.ToLowerInvariant(), static p => p.Value));

        Assert.True((await gateway.Client.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Start_PerTenantMapKeys_Start()
    {
        var export = Directory.CreateTempSubdirectory("gw-keys-export-").FullName;
        try
        {
            await using var gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?>
            {
                ["Gateway:Console:Tenants:demo:PersonClaim"] = "email",
                ["Gateway:Console:Tenants:demo:Roles:approver:0"] = "approvers",
                ["Gateway:Console:Tenants:demo:Roles:operator:0"] = "operators",
                ["Gateway:Notifications:PublicOrigin"] = "http://127.0.0.1:8080",
                ["Gateway:Notifications:Tenants:demo:WebhookUrl"] = "http://127.0.0.1:9/hook",
                ["Gateway:Audit:Retention:Tenants:demo"] = "30.00:00:00",
                ["Gateway:Audit:Retention:ExportDirectory"] = export,
                ["Gateway:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/8",
                ["Gateway:Mcp:AllowedOrigins:1"] = "https://app.example.com",
            });

            Assert.True((await gateway.Client.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode);
        }
        finally
        {
            Directory.Delete(export, recursive: true);
        }
    }

    [Fact]
    public void Unknown_KeysOutsideGatewayAndSectionsAboveBindings_AreNotReported()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["GATEWAY:STORE:REDIS:USETLS"] = "true",
            ["Gateway:Store"] = string.Empty,
            ["Gateway:Console:Tenants:acme:Roles:admin:3"] = "admins",
        }).Build();

        Assert.Empty(GatewayConfigurationKeys.Unknown(configuration));
    }

    [Fact]
    public void Bindings_EveryOptionsClassBoundUnderGateway_IsListed()
    {
        // A class with a section constant under Gateway (SectionName, Section) that the check does not know would refuse its own keys.
        var sections = typeof(GatewayApplication).Assembly.GetReferencedAssemblies().Select(Assembly.Load).Append(typeof(GatewayApplication).Assembly)
            .Where(static a => a.GetName().Name!.StartsWith("Gateway.", StringComparison.Ordinal))
            .SelectMany(static a => a.GetTypes())
            .Where(static t => t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true }
                || t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .Where(static t => ((string)(t.GetField("SectionName") ?? t.GetField("Section"))!.GetRawConstantValue()!).Split(':')[0] == GatewayConfigurationKeys.Root)
            .Where(static t => t.Name.EndsWith("Options", StringComparison.Ordinal));

        Assert.All(sections, t => Assert.Contains(GatewayConfigurationKeys.Bindings, b => b.Options == t));
    }

    [Fact]
    public void IsKnown_EveryGatewayVariableTheChartAndImageSet_IsKnown()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "charts", "gateway", "templates"))
            .Append(Path.Combine(RepositoryRoot.Path, "Dockerfile"));
        var variables = files.SelectMany(static f => GatewayVariable().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), m.Value))).ToList();

        Assert.Contains(variables, static v => v.Value == "Gateway__Store__Redis__UseTls");
        Assert.All(variables, v => Assert.True(
            GatewayConfigurationKeys.IsKnown(v.Value.Replace("__{{", "__0", StringComparison.Ordinal).Replace("__", ":", StringComparison.Ordinal)),
            $"{v.File} sets {v.Value}, which no gateway options class binds"));
    }

    // Each scalar setting of an options class at its default, as configuration text (an unset, empty or null one left out).
    private static IEnumerable<KeyValuePair<string, string?>> Defaults(Type options, string section)
    {
        var instance = Activator.CreateInstance(options, nonPublic: true)!;
        return GatewayConfigurationKeys.All()
            .Where(k => k.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase) && !k.Contains('*', StringComparison.Ordinal) && !k.Contains(":0", StringComparison.Ordinal))
            .Select(k => new KeyValuePair<string, string?>(k, Text(ValueAt(instance, k[(section.Length + 1)..].Split(':')))))
            .Where(static p => !string.IsNullOrEmpty(p.Value));
    }

    private static object? ValueAt(object? value, string[] path)
    {
        foreach (var name in path)
        {
            var property = value?.GetType().GetProperties().FirstOrDefault(p => string.Equals(p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, name, StringComparison.OrdinalIgnoreCase));
            value = property?.GetValue(value);
        }

        return value;
    }

    private static string? Text(object? value) =>
        value is null or (System.Collections.IEnumerable and not string) || !TypeDescriptor.GetConverter(value.GetType()).CanConvertFrom(typeof(string))
            ? null
            : TypeDescriptor.GetConverter(value.GetType()).ConvertToInvariantString(value);

    // A Gateway__ variable's name in a template or the Dockerfile (an indexed one up to its template's {{ $i }}).
    [GeneratedRegex(@"\bGateway(?:__(?:[A-Za-z][A-Za-z0-9]*|\{\{))+")]
    private static partial Regex GatewayVariable();
}
