using System.Net.Http.Headers;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Register;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Admin.Tests.Infrastructure;

/// <summary>
/// A real Kestrel host on 127.0.0.1:0 with the oversight and admin services, <c>MapGatewayAdmin()</c> and
/// <c>MapDecisionTokenVerification()</c>.
/// </summary>
internal sealed class AdminTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminTestHost(WebApplication app, IStateStore store, TestRegister register)
    {
        _app = app;
        Store = store;
        Register = register;
        BaseAddress = new Uri(app.Urls.First());
    }

    public Uri BaseAddress { get; }

    public IStateStore Store { get; }

    /// <summary>The registers the admin API consults; tests add their tenants.</summary>
    public TestRegister Register { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AdminTestHost> StartAsync(
        IStateStore? store = null,
        Action<IServiceCollection>? configureServices = null,
        IDictionary<string, string?>? configuration = null)
    {
        store ??= new InMemoryStateStore();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Admin:BootstrapTokenSha256"] = AdminTokenService.HashToken(AdminTestServices.BootstrapToken),
            ["Gateway:Audit:Sink"] = "store",
            ["Gateway:Audit:ChainsPerReplica"] = "1",
        };
        foreach (var pair in configuration ?? new Dictionary<string, string?>())
        {
            settings[pair.Key] = pair.Value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(store);
        var register = new TestRegister();
        builder.Services.AddSingleton<IRegisterDirectory>(register);
        builder.Services.AddGatewayOversight(builder.Configuration, _ => TestKeys.Keys);
        builder.Services.AddGatewayAdmin(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGatewayAdmin();
        app.MapDecisionTokenVerification();
        await app.StartAsync();
        return new AdminTestHost(app, store, register);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Issues an operator token (no tenant, no person) minted by the bootstrap admin.</summary>
    public Task<string> IssueTokenAsync(string name, params string[] roles) =>
        IssueTokenAsync(new AdminTokenSpec(name, roles), AdminTestServices.Operator);

    /// <summary>
    /// Issues <paramref name="person"/>'s approver token in <paramref name="tenant"/>, minted by
    /// <paramref name="issuer"/> (default: an admin of the tenant of that person's own, so that each
    /// approver counts; pass one issuer for several approvers to see them collapse).
    /// </summary>
    public Task<string> IssueApproverAsync(string tenant, string person, AdminPrincipal? issuer = null) =>
        IssueTokenAsync(
            new AdminTokenSpec(person + "-" + Guid.NewGuid().ToString("N")[..6], [AdminRoles.Approver]) { Tenant = tenant, Person = person },
            issuer ?? new AdminPrincipal("minter-of-" + person, [AdminRoles.Admin]) { Tenant = tenant });

    public async Task<string> IssueTokenAsync(AdminTokenSpec spec, AdminPrincipal issuer)
    {
        var outcome = await _app.Services.GetRequiredService<AdminTokenService>().IssueAsync(spec, issuer);
        return outcome.Issued?.Token ?? throw new InvalidOperationException(outcome.Code);
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
