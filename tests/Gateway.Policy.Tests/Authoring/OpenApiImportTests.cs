using System.Text.Json;
using Gateway.Policy.Authoring;
using Gateway.Policy.Bundles;
using Gateway.Policy.Tools;

namespace Gateway.Policy.Tests.Authoring;

public sealed class OpenApiImportTests
{
    private const string Petstore = """
        openapi: 3.0.3
        info: { title: Petstore, version: "1.0" }
        paths:
          /pets:
            get:
              operationId: listPets
              summary: List the pets
              parameters:
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
                - { name: X-Trace, in: header, schema: { type: string } }
            post:
              operationId: createPet
              summary: Add a pet
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/NewPet" }
          /pets/{petId}:
            parameters:
              - { name: petId, in: path, required: true, schema: { type: string }, description: The pet's id }
            get:
              operationId: showPetById
              summary: Info for one pet
            delete:
              summary: Remove a pet
          /upload:
            post:
              operationId: uploadPhoto
              requestBody:
                content:
                  image/png: { schema: { type: string, format: binary } }
        components:
          schemas:
            NewPet:
              type: object
              required: [name]
              properties:
                name: { type: string, maxLength: 50 }
                tag: { type: string, nullable: true, example: dog }
        """;

    private static readonly OpenApiImportOptions Options = new("https://pets.example.com/v1", "petstore") { Credential = "vault:petstore-key" };

    [Fact]
    public void Convert_Petstore_EveryJsonOperationBecomesAnEntryThatLoads()
    {
        var result = OpenApiImport.Convert(Petstore, Options);

        var tenant = Load(result.Yaml);
        Assert.Equal(4, result.Entries);
        Assert.Equal(["petstore.create_pet", "petstore.delete_pets_pet_id", "petstore.list_pets", "petstore.show_pet_by_id"],
            tenant.Catalog.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(tenant.Catalog, e => Assert.NotNull(e.InputSchema));
    }

    [Fact]
    public void Convert_OperationWithAJsonBody_TakesTheBodysPropertiesInlinedAsArguments()
    {
        var create = Load(OpenApiImport.Convert(Petstore, Options).Yaml).Catalog.Single(e => e.Name == "petstore.create_pet");
        using var schema = JsonDocument.Parse(create.InputSchema!);

        Assert.Equal(ArgumentLocation.Body, create.Http!.Args);
        Assert.Equal("Add a pet", create.Description);
        Assert.Equal(ActionType.Write, create.ActionType);
        Assert.Equal(50, schema.RootElement.GetProperty("properties").GetProperty("name").GetProperty("maxLength").GetInt32());
        Assert.Equal("""["string","null"]""", schema.RootElement.GetProperty("properties").GetProperty("tag").GetProperty("type").GetRawText());
        Assert.False(schema.RootElement.GetProperty("properties").GetProperty("tag").TryGetProperty("example", out _));
        Assert.Empty(ToolInputSchema.Validate(schema.RootElement, JsonDocument.Parse("""{"name":"Rex"}""").RootElement));
        Assert.NotEmpty(ToolInputSchema.Validate(schema.RootElement, JsonDocument.Parse("""{"tag":"dog"}""").RootElement));
    }

    [Fact]
    public void Convert_PathAndQueryParameters_AreArgumentsAndThePathOnesRequired()
    {
        var catalog = Load(OpenApiImport.Convert(Petstore, Options).Yaml).Catalog;
        using var show = JsonDocument.Parse(catalog.Single(e => e.Name == "petstore.show_pet_by_id").InputSchema!);
        using var list = JsonDocument.Parse(catalog.Single(e => e.Name == "petstore.list_pets").InputSchema!);

        Assert.Equal("petId", show.RootElement.GetProperty("required")[0].GetString());
        Assert.Equal("The pet's id", show.RootElement.GetProperty("properties").GetProperty("petId").GetProperty("description").GetString());
        Assert.Equal(100, list.RootElement.GetProperty("properties").GetProperty("limit").GetProperty("maximum").GetInt32());
        Assert.Equal(ArgumentLocation.Query, catalog.Single(e => e.Name == "petstore.list_pets").Http!.Args);
    }

    [Fact]
    public void Convert_WhatCannotBeCarried_IsListedWithWhy()
    {
        var skipped = OpenApiImport.Convert(Petstore, Options).Skipped;

        Assert.Contains(skipped, s => s.Where == "GET /pets" && s.Reason.Contains("X-Trace", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.Where == "POST /upload" && s.Reason.Contains("not a JSON object", StringComparison.Ordinal));
    }

    [Fact]
    public void Convert_NotOpenApi_SaysSo()
    {
        var result = OpenApiImport.Convert("swagger: '2.0'\npaths: {}\n", Options);

        Assert.Equal(0, result.Entries);
        Assert.Contains("not an OpenAPI 3 document", Assert.Single(result.Skipped).Reason, StringComparison.Ordinal);
    }

    private static TenantPolicy Load(string catalogYaml)
    {
        var loaded = PolicyBundleLoader.LoadTenantText("imported.yaml", "tenant: t1\nworkspaces: [w]\ncatalog:\n" + catalogYaml, AppContext.BaseDirectory);
        Assert.Empty(loaded.Errors);
        return loaded.Tenant!;
    }
}
