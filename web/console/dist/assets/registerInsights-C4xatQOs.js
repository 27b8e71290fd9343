import{u as a,i as s,a as l,b as i,c as t,d as n}from"./echarts-G3AskBBc.js";a([s,l,i,t,n]);
