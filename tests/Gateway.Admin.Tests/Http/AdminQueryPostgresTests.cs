using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

/// <summary>
/// The audit routes over a real PostgreSQL journal: a query value PostgreSQL cannot hold as text (NUL: SQLSTATE 22021) is
/// the caller's 400 <c>invalid_query</c>, refused before the store, never a 500.
/// </summary>
public sealed class AdminQueryPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData("audit/query?agent=%00")]
    [InlineData("audit/query?request_id=req%00")]
    [InlineData("audit/receipts?request_id=%00")]
    [InlineData("audit/proof/inclusion?request_id=%00")]
    public async Task AuditRead_NulInAQueryValue_Is400InvalidQueryNot500(string pathAndQuery)
    {
        await using var host = await AdminTestHost.StartAsync(
            configureServices: s => s.AddSingleton(postgres.Database),
            configuration: new Dictionary<string, string?> { ["Gateway:Audit:Sink"] = "postgres" });
        var tenant = TestServices.NewTenant();
        host.Register.Add(tenant, approvers: ["alice"], agents: ["agent-1"]);
        using var admin = host.Client(AdminTestServices.BootstrapToken);

        using var plain = await admin.GetAsync($"/admin/v1/tenants/{tenant}/audit/query?agent=agent-1");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        await AdminApiTests.AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{tenant}/{pathAndQuery}"), HttpStatusCode.BadRequest, "invalid_query");
    }
}
