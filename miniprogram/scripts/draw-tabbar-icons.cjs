// Usage: node miniprogram/scripts/draw-tabbar-icons.cjs miniprogram/src/assets/tabbar
// Draws the tab bar icons (81x81 PNG, antialiased by 4x4 supersampling) with no dependencies.
const zlib = require('zlib'); const fs = require('fs');
const S = 81, SS = 4;
function crc32(buf){let c,crc=0xffffffff;for(let n=0;n<buf.length;n++){c=(crc^buf[n])&0xff;for(let k=0;k<8;k++)c=c&1?0xedb88320^(c>>>1):c>>>1;crc=(crc>>>8)^c;}return (crc^0xffffffff)>>>0;}
function chunk(type,data){const len=Buffer.alloc(4);len.writeUInt32BE(data.length);const td=Buffer.concat([Buffer.from(type),data]);const crc=Buffer.alloc(4);crc.writeUInt32BE(crc32(td));return Buffer.concat([len,td,crc]);}
function png(alpha,[r,g,b]){const raw=Buffer.alloc((S*4+1)*S);for(let y=0;y<S;y++){raw[y*(S*4+1)]=0;for(let x=0;x<S;x++){const o=y*(S*4+1)+1+x*4;raw[o]=r;raw[o+1]=g;raw[o+2]=b;raw[o+3]=Math.round(alpha[y*S+x]*255);}}
const ihdr=Buffer.alloc(13);ihdr.writeUInt32BE(S,0);ihdr.writeUInt32BE(S,4);ihdr[8]=8;ihdr[9]=6;ihdr[10]=0;ihdr[11]=0;ihdr[12]=0;
return Buffer.concat([Buffer.from([137,80,78,71,13,10,26,10]),chunk('IHDR',ihdr),chunk('IDAT',zlib.deflateSync(raw)),chunk('IEND',Buffer.alloc(0))]);}
function segDist(px,py,ax,ay,bx,by){const dx=bx-ax,dy=by-ay;const t=Math.max(0,Math.min(1,((px-ax)*dx+(py-ay)*dy)/(dx*dx+dy*dy)));return Math.hypot(px-ax-t*dx,py-ay-t*dy);}
function render(inside){const a=new Float32Array(S*S);for(let y=0;y<S;y++)for(let x=0;x<S;x++){let n=0;for(let i=0;i<SS;i++)for(let j=0;j<SS;j++){if(inside(x+(i+0.5)/SS,y+(j+0.5)/SS))n++;}a[y*S+x]=n/(SS*SS);}return a;}
const W=3.2; // stroke half-width... full width 6.4px at 81px
// Home: roof polyline + body (rounded-ish rectangle outline) + door.
function home(filled){return (x,y)=>{
  const roof=[[12,40],[40.5,14],[69,40]];
  let d=Math.min(segDist(x,y,...roof[0],...roof[1]),segDist(x,y,...roof[1],...roof[2]));
  const body=[[21,34],[21,67],[60,67],[60,34]];
  for(let i=0;i<body.length-1;i++)d=Math.min(d,segDist(x,y,...body[i],...body[i+1]));
  if(d<=W) { if(!filled) return true; }
  if(filled){ // solid house with a door cut out
    const inRoof = y>=14 && y<=40 && Math.abs(x-40.5) <= (y-14)*(28.5/26) ;
    const inBody = x>=21-W && x<=60+W && y>=34 && y<=67+W;
    const inDoor = x>=34 && x<=47 && y>=49 && y<=67+W;
    return (d<=W || inRoof || inBody) && !inDoor;
  }
  const door=[[34,67],[34,52],[47,52],[47,67]];
  for(let i=0;i<door.length-1;i++) if(segDist(x,y,...door[i],...door[i+1])<=W*0.85) return true;
  return false;};}
// Person: head circle + shoulders arc.
function person(filled){return (x,y)=>{
  const hd=Math.hypot(x-40.5,y-28);
  if(filled? hd<=14+W : Math.abs(hd-14)<=W) return true;
  // shoulders: upper half of an ellipse centred at (40.5, 72), rx 26, ry 22, clipped at y<=68
  const ex=(x-40.5)/26, ey=(y-70)/22; const r=Math.hypot(ex,ey);
  if(y<=70+W){
    if(filled) return r<=1+W/24 && y<=70+W;
    if(Math.abs(r-1)*24<=W && y<=70) return true;
    if(Math.abs(y-70)<=W && Math.abs(x-40.5)<=26+W*0.3) return true;
  }
  return false;};}
const grey=[0x99,0x99,0x99], green=[0x07,0xc1,0x60];
const out=process.argv[2];
fs.writeFileSync(out+'/home.png',png(render(home(false)),grey));
fs.writeFileSync(out+'/home-active.png',png(render(home(true)),green));
fs.writeFileSync(out+'/mine.png',png(render(person(false)),grey));
fs.writeFileSync(out+'/mine-active.png',png(render(person(true)),green));
