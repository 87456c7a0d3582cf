using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Sessions;
using FocusSync.Timekeeping;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Groups;

public sealed record CreateGroupRequest(
    [Required, Text(nameof(StoredText.GroupName))] string Name,
    [Text(nameof(StoredText.GroupDescription))] string? Description);

/// <summary>Changes only the fields sent; <c>description: null</c> clears the description.</summary>
public sealed record EditGroupRequest(
    [DisallowNull, Text(nameof(StoredText.GroupName))] string? Name,
    [Text(nameof(StoredText.GroupDescription))] Optional<string?> Description);

public sealed record GroupList(IReadOnlyList<GroupDto> Groups);

public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/groups").RequireAuthorization().WithTags("Groups");
        groups.MapGet("/", List);
        groups.MapPost("/", Create);
        groups.MapPatch("/{id}", Edit);
        groups.MapDelete("/{id}", Delete);
        return app;
    }

    private static Task<Ok<GroupList>> List(ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
        changes.ReadAsync(user.Identity(), async ctx =>
        {
            var rows = await ctx.Db.Groups.AsNoTracking().Where(g => g.UserId == ctx.User.Id)
                .OrderBy(g => g.Id).ToListAsync(ct);
            return TypedResults.Ok(new GroupList([.. rows.Select(GroupDto.From)]));
        }, ct);

    private static async Task<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>> Create(
        JsonBody<CreateGroupRequest> body, ClaimsPrincipal user, ChangePipeline changes, IOptions<LimitOptions> limits, CancellationToken ct)
    {
        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var name = body.Value.Name;
        var description = body.Value.Description ?? "";

        return await changes.ApplyAsync<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.Db.Groups.CountAsync(g => g.UserId == ctx.User.Id, ct) >= limits.Value.MaxGroupsPerUser)
            {
                return TypedResults.Problem(
                    detail: $"You have reached the limit of {limits.Value.MaxGroupsPerUser} groups.",
                    statusCode: StatusCodes.Status409Conflict, title: "Group limit reached");
            }

            var group = await ctx.InsertGroupAsync(
                new Group { UserId = ctx.User.Id, Name = name!, Description = description }, ct);
            TimerRules.AddGroup(group, ctx.NowMs, ctx.Outcome);
            return TypedResults.Created($"/groups/{group.Id}", GroupDto.From(group));
        }, ct);
    }

    private static async Task<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>> Edit(
        string id, JsonBody<EditGroupRequest> body, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (SessionEndpoints.ParseId(id) is not { } groupId)
        {
            return SessionEndpoints.InvalidId();
        }

        if (!body.IsValid)
        {
            return Problems.Invalid(body.Errors);
        }

        var name = body.Value.Name;
        var description = body.Value.Description is { IsSet: true, Value: var text } ? text ?? "" : null;

        return await changes.ApplyAsync<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.FindGroupAsync(groupId, ct) is not { } group)
            {
                return Problems.NotFound("group");
            }

            TimerRules.EditGroup(group, name, description, ctx.NowMs, ctx.Outcome);
            return TypedResults.Ok(GroupDto.From(group));
        }, ct);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (SessionEndpoints.ParseId(id) is not { } groupId)
        {
            return SessionEndpoints.InvalidId();
        }

        return await changes.ApplyAsync<Results<NoContent, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.FindGroupAsync(groupId, ct) is not { } group)
            {
                return Problems.NotFound("group");
            }

            TimerRules.DeleteGroup(ctx.Timers, group, ctx.NowMs, ctx.Outcome);
            ctx.RemoveGroup(group);
            return TypedResults.NoContent();
        }, ct);
    }
}
